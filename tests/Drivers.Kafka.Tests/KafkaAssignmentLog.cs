using Microsoft.Extensions.Logging;
using Omnibus.Conformance;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>A partition assignment change of one connection's consumer, from the driver's events 4001 and 4002.</summary>
public sealed record KafkaAssignmentChange(int Connection, bool Assigned, string Topic, string Group, IReadOnlyList<int> Partitions);

/// <summary>
/// The logger factory of one kafka:// connection in the tests: it records the driver's assignment events (4001 assigned,
/// 4002 gave up) into a recorder shared by the connections of a test, read from the events' structured fields.
/// </summary>
public sealed class KafkaAssignmentLog(int connection, Recorder<KafkaAssignmentChange> changes) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id is not (4001 or 4002) || state is not IReadOnlyList<KeyValuePair<string, object?>> fields)
        {
            return;
        }

        string Field(string name) => (string)fields.Single(f => f.Key == name).Value!;
        var partitions = Field("Partitions").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        changes.Add(new KafkaAssignmentChange(connection, eventId.Id == 4001, Field("Topic"), Field("Group"), partitions));
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// True when exactly <paramref name="members"/> connections hold partitions of the group, each at least one, none
    /// the same one, and together every partition the group was ever assigned: every member has its share of one
    /// generation (the eager protocol takes every partition back at a rebalance).
    /// </summary>
    public static bool Settled(IReadOnlyList<KafkaAssignmentChange> changes, string topic, string group, int members)
    {
        var all = new HashSet<int>();
        var held = new Dictionary<int, List<int>>();
        foreach (var change in changes.Where(c => c.Topic == topic && c.Group == group))
        {
            var mine = held.TryGetValue(change.Connection, out var list) ? list : held[change.Connection] = [];
            if (change.Assigned)
            {
                mine.AddRange(change.Partitions);
                all.UnionWith(change.Partitions);
            }
            else
            {
                mine.RemoveAll(change.Partitions.Contains);
            }
        }

        var holders = held.Values.Where(p => p.Count > 0).ToList();
        var owned = holders.SelectMany(p => p).ToList();
        return holders.Count == members && owned.Count == owned.Distinct().Count() && all.SetEquals(owned);
    }
}
