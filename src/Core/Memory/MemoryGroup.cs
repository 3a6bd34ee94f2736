using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// A consumer group: the entries ready for its consumers, one queue per key lane plus one for keyless entries, each
/// in publish order (a released or redelivered entry goes back to its place). Consumers compete on them; a consumer
/// that keeps per-key order (<see cref="MessageOrdering.ByKey"/>) takes keyed entries only from the lanes that
/// <see cref="KeyLanes"/> assigns to it, so a key is in flight on one member at a time. Thread-safe (one lock).
/// </summary>
internal sealed class MemoryGroup
{
    private readonly object _lock = new();
    private readonly MemoryState _state;
    private readonly KeyLanes _lanes = new();
    private readonly PriorityQueue<MemoryDelivery, long>[] _ready;
    private readonly PriorityQueue<MemoryDelivery, long> _keyless = new();
    private TaskCompletionSource _changed = NewSignal();
    private bool _changedWatched; // someone holds _changed: only then does a pulse need to complete and replace it
    private ulong _nonEmptyLanes; // bit i: _ready[i] holds an entry (so a take scans only those, not all 64)
    private long _sequence;
    private long _unsettled;
    private int _nextLane;

    public MemoryGroup(string name, MemoryTopic topic, MemoryState state)
    {
        Name = name;
        Topic = topic;
        _state = state;
        if (_lanes.Count > 64)
        {
            throw new InvalidOperationException("MemoryGroup tracks its lanes in a 64-bit mask.");
        }

        _ready = new PriorityQueue<MemoryDelivery, long>[_lanes.Count];
        for (var i = 0; i < _ready.Length; i++)
        {
            _ready[i] = new PriorityQueue<MemoryDelivery, long>();
        }
    }

    public string Name { get; }

    public MemoryTopic Topic { get; }

    /// <summary>Entries offered to the group and not yet acknowledged or expired.</summary>
    public long Unsettled => Interlocked.Read(ref _unsettled);

    /// <summary>The lane of a key (-1 without one).</summary>
    public int LaneOf(string? key) => key is null ? -1 : _lanes.LaneOf(key);

    /// <summary>The position of the next entry offered; called in publish order (under the topic's lock).</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Makes an entry available now, or when its delay has passed.</summary>
    public void Offer(MemoryDelivery entry)
    {
        Interlocked.Increment(ref _unsettled);
        if (entry.VisibleAt is { } at && at > DateTimeOffset.UtcNow)
        {
            _state.Scheduler.Schedule(at, entry);
            return;
        }

        MakeReady(entry);
    }

    /// <summary>Makes an entry available again after <paramref name="delay"/>; the delivery it replaces leaves its lane.</summary>
    public void Redeliver(MemoryDelivery entry, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            lock (_lock)
            {
                if (entry.Lane >= 0)
                {
                    _lanes.Released(entry.Lane);
                }

                Enqueue(entry);
            }

            Pulse();
            return;
        }

        Left(entry.Lane);
        _state.Scheduler.Schedule(DateTimeOffset.UtcNow + delay, entry);
    }

    /// <summary>Puts an entry whose time has come in its queue.</summary>
    public void MakeReady(MemoryDelivery entry)
    {
        TaskCompletionSource? changed;
        lock (_lock)
        {
            Enqueue(entry);
            changed = TakeSignalLocked();
        }

        changed?.TrySetResult();
    }

    public void Join(MemoryConsumer consumer)
    {
        lock (_lock)
        {
            if (consumer.Ordered)
            {
                _lanes.Join(consumer);
            }
        }

        Pulse();
    }

    /// <summary>A consumer left; it has released everything it held.</summary>
    public void Leave(MemoryConsumer consumer)
    {
        lock (_lock)
        {
            _lanes.Leave(consumer);
        }

        Pulse();
    }

    /// <summary>Takes the next entry <paramref name="consumer"/> may handle, or null.</summary>
    public MemoryDelivery? Take(MemoryConsumer consumer)
    {
        lock (_lock)
        {
            var queue = consumer.Ordered ? OrderedQueue(consumer) : OldestQueue();
            if (queue is null)
            {
                return null;
            }

            var entry = queue.Dequeue();
            if (entry.Lane >= 0)
            {
                _lanes.Took(consumer, entry.Lane);
                if (queue.Count == 0)
                {
                    _nonEmptyLanes &= ~(1UL << entry.Lane);
                }
            }

            return entry;
        }
    }

    /// <summary>
    /// Null when <paramref name="consumer"/> could take an entry now; else a task that completes when something may
    /// have become available (an entry, a free lane, a new assignment). One lock for both, so a publisher and a
    /// consumer meet on it as rarely as possible.
    /// </summary>
    public Task? WaitForReady(MemoryConsumer consumer)
    {
        lock (_lock)
        {
            if ((consumer.Ordered ? OrderedQueue(consumer) : OldestQueue()) is not null)
            {
                return null;
            }

            _changedWatched = true;
            return _changed.Task;
        }
    }

    public void CountExpired(int lane)
    {
        Interlocked.Decrement(ref _unsettled);
        _state.CountExpired();
        Left(lane);
    }

    /// <summary>An entry was acknowledged: it leaves the backlog and its lane.</summary>
    public void Settled(int lane)
    {
        Interlocked.Decrement(ref _unsettled);
        Left(lane);
    }

    private void Left(int lane)
    {
        if (lane < 0)
        {
            return;
        }

        bool freed;
        lock (_lock)
        {
            freed = _lanes.Released(lane);
        }

        if (freed)
        {
            Pulse();
        }
    }

    private void Enqueue(MemoryDelivery entry)
    {
        if (entry.Lane < 0)
        {
            _keyless.Enqueue(entry, entry.Sequence);
            return;
        }

        _ready[entry.Lane].Enqueue(entry, entry.Sequence);
        _nonEmptyLanes |= 1UL << entry.Lane;
    }

    /// <summary>A lane assigned to the consumer and free for it, rotating so that no lane starves; else the keyless queue.</summary>
    private PriorityQueue<MemoryDelivery, long>? OrderedQueue(MemoryConsumer consumer)
    {
        for (var i = 0; i < _ready.Length && _nonEmptyLanes != 0; i++)
        {
            var lane = (_nextLane + i) % _ready.Length;
            if ((_nonEmptyLanes & (1UL << lane)) != 0 && _lanes.CanTake(consumer, lane))
            {
                _nextLane = (lane + 1) % _ready.Length;
                return _ready[lane];
            }
        }

        return _keyless.Count > 0 ? _keyless : null;
    }

    /// <summary>The queue holding the oldest entry: a consumer without key order takes in publish order.</summary>
    private PriorityQueue<MemoryDelivery, long>? OldestQueue()
    {
        PriorityQueue<MemoryDelivery, long>? oldest = _keyless.TryPeek(out _, out var first) ? _keyless : null;
        for (var lanes = _nonEmptyLanes; lanes != 0; lanes &= lanes - 1)
        {
            var queue = _ready[System.Numerics.BitOperations.TrailingZeroCount(lanes)];
            if (queue.TryPeek(out _, out var sequence) && (oldest is null || sequence < first))
            {
                oldest = queue;
                first = sequence;
            }
        }

        return oldest;
    }

    private void Pulse()
    {
        TaskCompletionSource? changed;
        lock (_lock)
        {
            changed = TakeSignalLocked();
        }

        changed?.TrySetResult();
    }

    /// <summary>The signal to complete, replaced by a new one, when someone waits on it; else null.</summary>
    private TaskCompletionSource? TakeSignalLocked()
    {
        if (!_changedWatched)
        {
            return null;
        }

        var changed = _changed;
        _changed = NewSignal();
        _changedWatched = false;
        return changed;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
