using System.Text;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// The scenarios every driver passes. A driver's test project subclasses this and implements <see cref="Connect"/>;
/// a scenario is skipped only when it requires a feature the driver's <see cref="BrokerFeatures"/> does not declare.
/// Every topic and group is unique to the run, so leftovers of earlier runs on a shared server never interfere.
/// </summary>
public abstract partial class BrokerConformanceTests : IAsyncLifetime
{
    private static int _names;
    private readonly string _run = Guid.NewGuid().ToString("N")[..10];
    private readonly List<IBroker> _connections = [];
    private IBroker? _broker;

    /// <summary>How long any wait may take before the scenario fails.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(30);

    /// <summary>Redelivery backoff used by the scenarios: short, so failures are retried quickly.</summary>
    protected virtual RetryBackoff FastBackoff { get; } = new() { Initial = TimeSpan.FromMilliseconds(5), Max = TimeSpan.FromMilliseconds(50) };

    /// <summary>The first connection of the scenario, created on first use.</summary>
    protected IBroker Broker => _broker ??= Track(Connect());

    /// <summary>
    /// A new client connection to the broker under test. Every call within one test instance must reach the same
    /// broker (a test publishes through one connection and consumes through another).
    /// </summary>
    protected abstract IBroker CreateConnection();

    /// <summary>A new tracked connection; disposed when the scenario ends.</summary>
    protected IBroker Connect() => Track(CreateConnection());

    /// <summary>Skips the scenario (reported as skipped) unless the driver declares the feature.</summary>
    protected void RequireFeature(Func<BrokerFeatures, bool> declared, string feature)
    {
        ArgumentNullException.ThrowIfNull(declared);
        if (!declared(Broker.Features))
        {
            throw new FeatureNotDeclaredException(feature);
        }
    }

    /// <summary>A run-unique topic or group name.</summary>
    protected string NewName(string prefix) => $"{prefix}-{_run}-{Interlocked.Increment(ref _names)}";

    /// <summary>Subscription options for the scenarios: a fresh group unless given, fast backoff, short drain.</summary>
    protected SubscriptionOptions Options(string topic, string? group = null) => new(topic, group ?? NewName("g"))
    {
        Backoff = FastBackoff,
        DrainTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>A message with a known id and a UTF-8 body.</summary>
    protected static Message Text(string body, string? id = null, string? key = null) =>
        new(Encoding.UTF8.GetBytes(body)) { Id = id ?? Guid.NewGuid().ToString("N"), Key = key, ContentType = "text/plain" };

    /// <summary>
    /// Waits until the <paramref name="members"/> subscriptions just opened on <paramref name="topic"/> form a settled
    /// group, for scenarios that assume no member comes or goes while they run. Nothing to wait for by default: a
    /// subscription that opened is a member. A driver whose test broker settles a group after the subscriptions opened
    /// overrides it.
    /// </summary>
    protected virtual Task GroupSettledAsync(string topic, string group, int members) => Task.CompletedTask;

    /// <summary>Nothing to set up: connections are made on demand.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Closes every connection the scenario made.</summary>
    public virtual async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>Publishes a marker on <paramref name="topic"/> and waits until <paramref name="seen"/> holds it:
    /// everything published before it has had its chance to arrive (per-topic FIFO delivery).</summary>
    protected async Task BarrierAsync(string topic, Recorder<Message> seen)
    {
        var marker = Text("marker", id: NewName("marker"));
        await Broker.PublishAsync(topic, marker);
        await seen.WaitUntilAsync(items => items.Any(m => m.Id == marker.Id), Timeout, "the barrier marker");
    }

    private IBroker Track(IBroker broker)
    {
        lock (_connections)
        {
            _connections.Add(broker);
        }

        return broker;
    }
}
