using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One assignment of one partition to this consumer: from the assignment to the revocation. A new assignment of the
/// same partition is a new lease, so deliveries left over from an earlier one are recognised as stale and dropped
/// (the partition is consumed again from its committed offset). Thread-safe, without locks: it is on every delivery.
/// </summary>
internal sealed class PartitionLease(TopicPartition partition, long start, bool committed)
{
    private const int RevokedFlag = int.MinValue;

    // Deliveries in flight, plus RevokedFlag once revoked: one word, so that a take and the revocation never cross.
    private int _state;

    public TopicPartition Partition => partition;

    public OffsetTracker Tracker { get; } = new(start);

    /// <summary>The offset last committed for this partition, -1 before the first commit. Consume thread only.</summary>
    public long LastCommitted { get; set; } = committed ? start : -1;

    /// <summary>Deliveries a handler holds now (taken and not settled).</summary>
    public int InFlight => Volatile.Read(ref _state) & int.MaxValue;

    public bool IsRevoked => Volatile.Read(ref _state) < 0;

    /// <summary>A handler takes a delivery; false when the partition was revoked (the delivery is stale).</summary>
    public bool TryTake()
    {
        var state = Volatile.Read(ref _state);
        while (state >= 0)
        {
            var seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>A taken delivery was settled (acknowledged, rejected or released).</summary>
    public void Settled() => Interlocked.Decrement(ref _state);

    /// <summary>Stops handing out this partition's records; returns how many are still in flight.</summary>
    public int Revoke() => Interlocked.Or(ref _state, RevokedFlag) & int.MaxValue;
}
