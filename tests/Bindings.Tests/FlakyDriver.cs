using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Memory;

namespace Omnibus.Bindings.Tests;

/// <summary>
/// A test-only driver under the scheme <c>flaky://name</c>: the <c>memory://name</c> broker, except that opening a
/// subscription fails the first <see cref="FlakyControl.OpenFailures"/> times (a broker that is down at start) and
/// publishing to a topic of <see cref="FlakyControl.FailingTopics"/> fails (a broker that rejects a publish).
/// </summary>
public sealed class FlakyDriverFactory(FlakyControl control, Func<string, string>? inner = null) : IBrokerDriverFactory
{
    private static readonly BrokerRegistry InnerRegistry = new BrokerRegistry().Register(new MemoryDriverFactory()).Register(typeof(Omnibus.Embedded.EmbeddedDriverFactory).Assembly);

    public IReadOnlyList<string> Schemes { get; } = ["flaky"];

    public DriverOptionTable Options { get; } = new("flaky");

    /// <summary>The wrapped broker: <c>memory://name</c>, or what <c>inner</c> makes of the location.</summary>
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory) =>
        new FlakyDriver(InnerRegistry.CreateDriver(inner?.Invoke(connectionString.Location) ?? "memory://" + connectionString.Location, loggerFactory), control);

    /// <summary>A registry knowing memory:// and this factory, for one test.</summary>
    public static BrokerRegistry Registry(FlakyControl control, Func<string, string>? inner = null) =>
        new BrokerRegistry().Register(new MemoryDriverFactory()).Register(new FlakyDriverFactory(control, inner))
            .Register(typeof(Omnibus.Embedded.EmbeddedDriverFactory).Assembly); // the default connection, embedded://, must resolve
}

public sealed class FlakyControl
{
    private int _openFailures;
    private int _openAttempts;

    public int OpenFailures { get => _openFailures; set => _openFailures = value; }

    public int OpenAttempts => Volatile.Read(ref _openAttempts);

    public HashSet<string> FailingTopics { get; } = [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _failNext = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _publishes = new();

    /// <summary>The next <paramref name="count"/> publishes to <paramref name="topic"/> fail, then they succeed again.</summary>
    public void FailNextPublishes(string topic, int count) => _failNext[topic] = count;

    /// <summary>Publish calls that reached the driver for <paramref name="topic"/> (failed ones included).</summary>
    public int PublishesTo(string topic) => _publishes.GetValueOrDefault(topic);

    public bool ShouldFailOpen()
    {
        Interlocked.Increment(ref _openAttempts);
        return Interlocked.Decrement(ref _openFailures) >= 0;
    }

    public bool ShouldFailPublish(string topic)
    {
        _publishes.AddOrUpdate(topic, 1, (_, n) => n + 1);
        if (_failNext.TryGetValue(topic, out var left) && left > 0 && _failNext.TryUpdate(topic, left - 1, left))
        {
            return true;
        }

        lock (FailingTopics)
        {
            return FailingTopics.Contains(topic);
        }
    }

    public void SetPublishFailing(string topic, bool failing)
    {
        lock (FailingTopics)
        {
            if (failing)
            {
                FailingTopics.Add(topic);
            }
            else
            {
                FailingTopics.Remove(topic);
            }
        }
    }
}

internal sealed class FlakyDriver(IBrokerDriver inner, FlakyControl control) : IBrokerDriver, IBacklogSource
{
    public string Scheme => "flaky";

    public BrokerFeatures Features => inner.Features;

    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) =>
        control.ShouldFailPublish(topic)
            ? throw new PublishException(topic, Scheme, $"The broker rejected the publish to '{topic}' (test).")
            : inner.PublishAsync(topic, message, cancellationToken);

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        if (control.ShouldFailPublish(topic))
        {
            return new PublishBatchResult(messages.Select(_ => (Exception?)new IOException($"The broker rejected the publish to '{topic}' (test).")).ToArray());
        }

        return await inner.PublishBatchAsync(topic, messages, cancellationToken);
    }

    public IBacklogSource Backlog => this;

    public ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken) =>
        control.ShouldFailOpen()
            ? throw new ConnectionLostException(Scheme, "The broker is unreachable (test).")
            : inner.OpenAsync(spec, cancellationToken);

    public ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken) =>
        inner.Backlog!.GetBacklogAsync(topic, group, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
