using System.Diagnostics.CodeAnalysis;
using Omnibus.Conformance;
using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests.Kit;

/// <summary>Core resubscribes every subscription whose consumer was lost, with backoff, for every driver.</summary>
public sealed class ResubscriptionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Subscribe_SourceLostTwice_ResubscribesAndKeepsHandling()
    {
        var driver = new LosingDriver(Broker.Connect("memory://").Driver, failOpens: 1);
        await using var broker = new Broker(driver, new BrokerClientOptions { Reconnect = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(50) } });
        var seen = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { Concurrency = 4 }, (m, _) => { seen.Add(m.GetString()); return default; });
        await broker.PublishAsync("t", Message.FromString("before"));
        await seen.WaitForCountAsync(1, Timeout);

        driver.LoseCurrent();
        await broker.PublishAsync("t", Message.FromString("while lost"));
        await UntilAsync(() => driver.Opens >= 3); // a failed reopen, then a good one
        driver.LoseCurrent();
        await broker.PublishAsync("t", Message.FromString("after"));

        await seen.WaitForCountAsync(3, Timeout);
        Assert.Equal(["after", "before", "while lost"], seen.Items.Order(StringComparer.Ordinal));
        Assert.True(driver.Opens >= 4, $"opened {driver.Opens} times: the first, a failed reopen, and two successful reopens");
        Assert.False(sub.Completion.IsCompleted);
    }

    [Fact]
    public async Task Subscribe_ConfigurationErrorOnReopen_EndsTheSubscriptionWithIt()
    {
        var driver = new LosingDriver(Broker.Connect("memory://").Driver, failOpens: 0) { FailWithConfiguration = true };
        await using var broker = new Broker(driver, new BrokerClientOptions { Reconnect = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10) } });
        var sub = await broker.SubscribeAsync(new SubscriptionOptions("t", "g"), (_, _) => default);
        driver.LoseCurrent();
        await Assert.ThrowsAsync<OmnibusConfigurationException>(() => sub.Completion.WaitAsync(Timeout));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + Timeout);
            await Task.Delay(5);
        }
    }

    /// <summary>Wraps a driver; <see cref="LoseCurrent"/> makes the open consumer fail as a dropped connection would.</summary>
    private sealed class LosingDriver(IBrokerDriver inner, int failOpens) : IBrokerDriver
    {
        private LosingSource? _current;
        private int _opens;
        private int _failOpens = failOpens;

        public bool FailWithConfiguration { get; init; }

        public int Opens => Volatile.Read(ref _opens);

        public string Scheme => inner.Scheme;

        public BrokerFeatures Features => inner.Features;

        public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) => inner.PublishAsync(topic, message, cancellationToken);

        public ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken) =>
            inner.PublishBatchAsync(topic, messages, cancellationToken);

        public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _opens);
            if (n > 1 && FailWithConfiguration)
            {
                throw new OmnibusConfigurationException("group", "The group was deleted (test).");
            }

            if (n > 1 && Interlocked.Decrement(ref _failOpens) >= 0)
            {
                throw new ConnectionLostException(Scheme, "Still down (test).");
            }

            var source = new LosingSource(await inner.OpenAsync(spec, cancellationToken));
            Volatile.Write(ref _current, source);
            return source;
        }

        public void LoseCurrent() => Volatile.Read(ref _current)!.Lose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class LosingSource(IDeliverySource inner) : IDeliverySource
    {
        private readonly CancellationTokenSource _lost = new();

        public void Lose() => _lost.Cancel();

        public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
            try
            {
                return await inner.WaitToReadAsync(linked.Token);
            }
            catch (OperationCanceledException) when (_lost.IsCancellationRequested)
            {
                throw new ConnectionLostException("memory", "The connection dropped (test).");
            }
        }

        public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
        {
            if (_lost.IsCancellationRequested)
            {
                delivery = null;
                return false;
            }

            return inner.TryRead(out delivery);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
