using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Conformance;
using Omnibus.Drivers;
using Omnibus.Memory;

namespace Omnibus.Server.Tests;

/// <summary>
/// The served broker ends a consumer on its own (SUBSCRIPTION_ENDED): the server hands back what it held, and the
/// client's core subscribes again on the same connection.
/// </summary>
public sealed class SubscriptionEndedTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly EndingDriver _served = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(serve: _ => new Broker(_served));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task BrokerEndsConsumer_ClientResubscribes_AndTheUnsettledDeliveryComesAgain()
    {
        var logs = new CapturingLoggerFactory();
        await using var client = Broker.Connect($"{_server.ConnectionString}?reconnectDelay=50ms", new BrokerClientOptions { LoggerFactory = logs });
        var seen = new Recorder<(string Body, int Attempt)>();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Two handler slots: one stays busy with the first attempt of "held", the other reads on and sees the end.
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("ending", "g") { Concurrency = 2 }, async (m, _) =>
        {
            seen.Add((m.GetString(), m.DeliveryAttempt));
            if (m.DeliveryAttempt == 1 && m.GetString() == "held")
            {
                await stuck.Task;
            }
        });
        await client.PublishAsync("ending", Message.FromString("held"));
        await seen.WaitUntilAsync(s => s.Contains(("held", 1)), Deadline, "the first attempt of 'held'");

        _served.EndFirstConsumer();

        await seen.WaitUntilAsync(s => s.Contains(("held", 2)), Deadline, "'held' again, handed back by the server and redelivered to the new consumer");
        await client.PublishAsync("ending", Message.FromString("after"));
        await seen.WaitUntilAsync(s => s.Any(e => e.Body == "after"), Deadline, "a message published after the resubscription");
        stuck.SetResult();
        Assert.Contains(logs.Messages, m => m.StartsWith("5405 Subscription to topic ending group g ended by the server", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith("1012 Resubscribed to topic ending, group g on omnibus://", StringComparison.Ordinal));
    }

    /// <summary>A memory broker whose first consumer can be made to fail, as a broker that drops a consumer would.</summary>
    private sealed class EndingDriver : IBrokerDriver
    {
        private readonly IBrokerDriver _inner = new MemoryDriverFactory().Create(ConnectionString.Parse("memory://"), NullLoggerFactory.Instance);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _opened;

        public string Scheme => "ending";

        public BrokerFeatures Features => _inner.Features;

        public void EndFirstConsumer() => _ended.TrySetResult();

        public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) => _inner.PublishAsync(topic, message, cancellationToken);

        public ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken) => _inner.PublishBatchAsync(topic, messages, cancellationToken);

        public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
        {
            var source = await _inner.OpenAsync(spec, cancellationToken);
            return Interlocked.Increment(ref _opened) == 1 ? new EndingSource(source, _ended.Task) : source;
        }

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    private sealed class EndingSource(IDeliverySource inner, Task ended) : IDeliverySource
    {
        public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            var waiting = inner.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(waiting, ended);
            return ended.IsCompleted ? throw new InvalidOperationException("The broker closed the consumer.") : await waiting;
        }

        public bool TryRead([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Delivery delivery) => inner.TryRead(out delivery);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
