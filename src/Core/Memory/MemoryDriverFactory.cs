using Microsoft.Extensions.Logging;
using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// Creates <c>memory://</c> drivers: the in-process reference broker with the full semantics (groups, per-message
/// ack and redelivery, ordering, delays, TTL, publish dedupe) and no persistence.
/// <c>memory://</c> is private to one <see cref="Broker"/>; <c>memory://name</c> is shared by every broker of
/// the process that names it, so a test can publish into a function host's broker.
/// </summary>
public sealed class MemoryDriverFactory : IBrokerDriverFactory
{
    /// <summary>
    /// Messages kept per topic for groups created later with <see cref="StartPosition.Earliest"/>. Default. Kept small:
    /// every retained message outlives the young GC generations, which measured as half the cost of a publish at 100,000.
    /// </summary>
    public const int DefaultRetention = 1_000;

    /// <summary>Idempotency ids remembered per topic. Default.</summary>
    public const int DefaultDedupeWindow = 100_000;

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["memory"];

    /// <inheritdoc />
    public DriverOptionTable Options { get; } = new(
        "memory",
        DriverOption.Int32("retention", DefaultRetention, 0, 10_000_000, "Messages kept per topic for new groups starting from Earliest"),
        DriverOption.Int32("dedupeWindow", DefaultDedupeWindow, 0, 10_000_000, "Idempotency ids remembered per topic"));

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (connectionString.UserName is not null)
        {
            throw new OmnibusConfigurationException("credentials", "The memory:// driver takes no user name or password: allowed is 'memory://' or 'memory://name'.");
        }

        var retention = Options.GetInt32(connectionString, "retention");
        var window = Options.GetInt32(connectionString, "dedupeWindow");
        var name = connectionString.Location.Trim('/');
        var state = name.Length == 0 ? new MemoryState(retention, window) : MemoryState.Named(name, retention, window);
        return new MemoryDriver(state);
    }
}
