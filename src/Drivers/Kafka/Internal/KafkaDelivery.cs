using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One delivery attempt of one record. Acknowledging marks its offset handled (committed once every earlier offset of
/// the partition is too); rejecting hands the same record out again after the delay, with the attempt increased,
/// while its offset stays uncommitted. One object per attempt, settled at most once.
/// </summary>
internal sealed class KafkaDelivery : Delivery
{
    private int _settled;

    public KafkaDelivery(ConsumeResult<byte[]?, byte[]?> record, PartitionLease lease, KafkaGroupConsumer consumer, int attempt)
        : base(KafkaRecords.FromRecord(record, attempt))
    {
        Record = record;
        Lease = lease;
        Consumer = consumer;
    }

    public ConsumeResult<byte[]?, byte[]?> Record { get; }

    public PartitionLease Lease { get; }

    public KafkaGroupConsumer Consumer { get; }

    /// <summary>The source whose reader took it; null while queued.</summary>
    public KafkaDeliverySource? Source { get; set; }

    public override ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        if (TrySettle())
        {
            // Counted even when the partition was revoked meanwhile: the revocation waits for in-flight acks.
            Lease.Tracker.Acknowledge(Record.Offset.Value);
        }

        return default;
    }

    public override ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
    {
        if (TrySettle())
        {
            Consumer.Redeliver(Next(), redeliverAfter);
        }

        return default;
    }

    /// <summary>Its source closed before a handler settled it: the next attempt goes to the group's other readers.</summary>
    public void Release()
    {
        if (TrySettle())
        {
            Consumer.Redeliver(Next(), TimeSpan.Zero);
        }
    }

    private KafkaDelivery Next() => new(Record, Lease, Consumer, Message.DeliveryAttempt + 1);

    private bool TrySettle()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 1)
        {
            return false;
        }

        Source?.Forget(this);
        Lease.Settled();
        return true;
    }
}
