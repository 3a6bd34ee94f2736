using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One assignment of one partition to this consumer: from the assignment to the revocation. A new assignment of the
/// same partition is a new lease, so deliveries left over from an earlier one are recognised as stale and dropped
/// (the partition is consumed again from its committed offset). Thread-safe.
/// </summary>
internal sealed class PartitionLease
{
    private readonly object _lock = new();
    private int _inFlight;
    private bool _revoked;

    public PartitionLease(TopicPartition partition, long start, bool committed)
    {
        Partition = partition;
        Tracker = new OffsetTracker(start);
        LastCommitted = committed ? start : -1;
    }

    public TopicPartition Partition { get; }

    public OffsetTracker Tracker { get; }

    /// <summary>The offset last committed for this partition, -1 before the first commit. Consume thread only.</summary>
    public long LastCommitted { get; set; }

    /// <summary>Deliveries a handler holds now (taken and not settled).</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    public bool IsRevoked
    {
        get
        {
            lock (_lock)
            {
                return _revoked;
            }
        }
    }

    /// <summary>A handler takes a delivery; false when the partition was revoked (the delivery is stale).</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            if (_revoked)
            {
                return false;
            }

            _inFlight++;
            return true;
        }
    }

    /// <summary>A taken delivery was settled (acknowledged, rejected or released).</summary>
    public void Settled()
    {
        lock (_lock)
        {
            _inFlight--;
        }
    }

    /// <summary>Stops handing out this partition's records; returns how many are still in flight.</summary>
    public int Revoke()
    {
        lock (_lock)
        {
            _revoked = true;
            return _inFlight;
        }
    }
}
