using System.Threading.Channels;

namespace Omnibus.Memory;

/// <summary>A consumer group: the queue of entries ready for any of its consumers. Consumers compete on it.</summary>
internal sealed class MemoryGroup
{
    private readonly MemoryState _state;

    public MemoryGroup(string name, MemoryTopic topic, MemoryState state)
    {
        Name = name;
        Topic = topic;
        _state = state;
    }

    public string Name { get; }

    public MemoryTopic Topic { get; }

    public Channel<MemoryDelivery> Ready { get; } = Channel.CreateUnbounded<MemoryDelivery>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private long _unsettled;

    /// <summary>Entries offered to the group and not yet acknowledged or expired.</summary>
    public long Unsettled => Interlocked.Read(ref _unsettled);

    /// <summary>Makes an entry available now, or when its delay has passed.</summary>
    public void Offer(MemoryDelivery entry)
    {
        Interlocked.Increment(ref _unsettled);
        if (entry.VisibleAt is { } at && at > DateTimeOffset.UtcNow)
        {
            _state.Scheduler.Schedule(at, entry);
            return;
        }

        Ready.Writer.TryWrite(entry);
    }

    /// <summary>Makes an entry available again after <paramref name="delay"/>.</summary>
    public void Redeliver(MemoryDelivery entry, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Ready.Writer.TryWrite(entry);
            return;
        }

        _state.Scheduler.Schedule(DateTimeOffset.UtcNow + delay, entry);
    }

    public void CountExpired()
    {
        Interlocked.Decrement(ref _unsettled);
        _state.CountExpired();
    }

    /// <summary>An entry was acknowledged: it leaves the backlog.</summary>
    public void Settled() => Interlocked.Decrement(ref _unsettled);
}
