using System.Text;
using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// Per-key order across members: a consumer that keeps key order (<see cref="MessageOrdering.ByKey"/>) takes a keyed
/// record only from the lanes <see cref="KeyLanes"/> assigns to it, and only while no other member holds one of that
/// lane. A record it reads that belongs to another member's lane is parked in that lane, in offset order, and every
/// released record of a lane goes back there too, so the lane's next holder takes them first and in order.
/// </summary>
internal sealed partial class ConsumerGroup
{
    // Bounds the records read ahead on behalf of other members; past it a consumer waits for its own lanes.
    private const int MaxParked = 10_000;

    private readonly KeyLanes _lanes = new();
    private readonly PriorityQueue<(int Partition, LogRecord Record), long>[] _parked = NewParked();
    private int _parkedCount;
    private int _orderedMembers;
    private int _nextLane;
    private int _lanesChanged;

    public void MemberJoined(EmbeddedConsumer consumer)
    {
        Interlocked.Increment(ref _members);
        if (consumer.Ordered)
        {
            lock (_lock)
            {
                _orderedMembers++;
                _lanes.Join(consumer);
            }

            PulseAll();
        }
    }

    /// <summary>A consumer left, after releasing what it held: its lanes go to the others.</summary>
    public void MemberLeft(EmbeddedConsumer consumer)
    {
        Interlocked.Decrement(ref _members);
        if (consumer.Ordered)
        {
            lock (_lock)
            {
                _orderedMembers--;
                _lanes.Leave(consumer);
            }

            PulseAll();
        }
    }

    private bool LaneMode => _orderedMembers > 0;

    private int LaneOf(LogRecord record) =>
        record.Key is { } key ? _lanes.LaneOf(Encoding.UTF8.GetString(key.Span)) : -1;

    /// <summary>Whether the record is still to be delivered (not settled, not handed out).</summary>
    private bool IsPendingLocked(int partition, LogRecord record)
    {
        var key = (partition, record.Offset);
        var pending = _retained == key ? !_retainedAcknowledged : !_state.IsSettled(partition, record.Offset);
        return pending && !_inFlight.ContainsKey(key);
    }

    /// <summary>A record to hand out again: to its lane while members keep key order, else to the redelivery queue.</summary>
    private void RequeueLocked(int partition, LogRecord record)
    {
        var lane = LaneMode ? LaneOf(record) : -1;
        if (lane < 0)
        {
            _ready.Enqueue((partition, record));
            return;
        }

        Park(lane, partition, record);
    }

    private void Park(int lane, int partition, LogRecord record)
    {
        _parked[lane].Enqueue((partition, record), record.Offset);
        _parkedCount++;
        _lanesChanged = 1;
    }

    /// <summary>A delivery left the in-flight set: its lane may now move to the member it is assigned to.</summary>
    private void LeftInFlightLocked(InFlight flight)
    {
        if (flight.Lane >= 0 && _lanes.Released(flight.Lane))
        {
            _lanesChanged = 1;
        }
    }

    /// <summary>Wakes every waiter when lanes changed hands or records were parked, since only their owner can take them.</summary>
    private void PulseIfLanesChanged()
    {
        if (Interlocked.Exchange(ref _lanesChanged, 0) == 1)
        {
            PulseAll();
        }
    }

    /// <summary>
    /// The next record <paramref name="consumer"/> (keeping key order) may take: parked records of its free lanes first,
    /// then redeliveries, then new records; others' records are parked on the way. With <paramref name="take"/> false it
    /// only says whether there is one.
    /// </summary>
    private bool TryReadOrderedLocked(EmbeddedConsumer consumer, bool take, out EmbeddedDelivery? delivery)
    {
        delivery = null;
        for (var i = 0; i < _parked.Length && _parkedCount > 0; i++)
        {
            var lane = (_nextLane + i) % _parked.Length;
            var queue = _parked[lane];
            while (queue.Count > 0 && _lanes.CanTake(consumer, lane))
            {
                var (partition, record) = queue.Peek();
                if (!IsPendingLocked(partition, record))
                {
                    queue.Dequeue();
                    _parkedCount--;
                    continue;
                }

                if (take)
                {
                    queue.Dequeue();
                    _parkedCount--;
                    _nextLane = (lane + 1) % _parked.Length;
                    delivery = Hand(consumer, partition, record, lane);
                }

                return true;
            }
        }

        while (_ready.TryPeek(out var redelivery))
        {
            var lane = LaneOf(redelivery.Record);
            if (!IsPendingLocked(redelivery.Partition, redelivery.Record))
            {
                _ready.Dequeue();
            }
            else if (lane < 0 || _lanes.CanTake(consumer, lane))
            {
                if (take)
                {
                    _ready.Dequeue();
                    delivery = Hand(consumer, redelivery.Partition, redelivery.Record, lane);
                }

                return true;
            }
            else
            {
                _ready.Dequeue();
                Park(lane, redelivery.Partition, redelivery.Record);
            }
        }

        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < _cursors.Length; i++)
        {
            var cursor = _cursors[(_nextPartition + i) % _cursors.Length];
            while (FillNext(cursor, nowMs))
            {
                var record = cursor.Next!;
                var lane = LaneOf(record);
                if (lane < 0 || _lanes.CanTake(consumer, lane))
                {
                    if (take)
                    {
                        _nextPartition = (cursor.Partition + 1) % _cursors.Length;
                        cursor.Next = null;
                        delivery = Hand(consumer, cursor.Partition, record, lane);
                    }

                    return true;
                }

                if (_parkedCount >= MaxParked)
                {
                    break;
                }

                cursor.Next = null;
                Park(lane, cursor.Partition, record);
            }
        }

        return false;
    }

    /// <summary>For a consumer without key order: a parked record of any lane (members keeping order parked it).</summary>
    private bool TryTakeParkedLocked(EmbeddedConsumer consumer, out EmbeddedDelivery? delivery)
    {
        delivery = null;
        for (var lane = 0; lane < _parked.Length && _parkedCount > 0; lane++)
        {
            while (_parked[lane].TryDequeue(out var item, out _))
            {
                _parkedCount--;
                if (IsPendingLocked(item.Partition, item.Record))
                {
                    delivery = Hand(consumer, item.Partition, item.Record, lane);
                    return true;
                }
            }
        }

        return false;
    }

    private static PriorityQueue<(int Partition, LogRecord Record), long>[] NewParked()
    {
        var parked = new PriorityQueue<(int Partition, LogRecord Record), long>[KeyLanes.DefaultCount];
        for (var i = 0; i < parked.Length; i++)
        {
            parked[i] = new PriorityQueue<(int Partition, LogRecord Record), long>();
        }

        return parked;
    }
}
