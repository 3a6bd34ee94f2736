using System.Collections.Concurrent;

namespace Omnibus.Memory;

/// <summary>One in-memory broker: its topics and the scheduler for delayed and backed-off messages.</summary>
internal sealed class MemoryState
{
    private static readonly ConcurrentDictionary<string, MemoryState> NamedStates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemoryTopic> _topics = new(StringComparer.Ordinal);
    private readonly bool _shared;
    private long _expired;

    public MemoryState(int retention, int dedupeWindow, bool shared = false)
    {
        Retention = retention;
        DedupeWindow = dedupeWindow;
        _shared = shared;
        Scheduler = new DelayScheduler();
    }

    public int Retention { get; }

    public int DedupeWindow { get; }

    public DelayScheduler Scheduler { get; }

    /// <summary>Messages dropped because their time to live passed before delivery.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    public static MemoryState Named(string name, int retention, int dedupeWindow) =>
        NamedStates.GetOrAdd(name, _ => new MemoryState(retention, dedupeWindow, shared: true));

    public MemoryTopic Topic(string name) => _topics.GetOrAdd(name, static (n, state) => new MemoryTopic(n, state), this);

    public void CountExpired() => Interlocked.Increment(ref _expired);

    /// <summary>A private broker dies with its driver; a named one lives as long as the process.</summary>
    public void Release()
    {
        if (!_shared)
        {
            Scheduler.Dispose();
        }
    }
}
