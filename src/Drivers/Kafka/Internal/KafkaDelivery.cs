using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One delivery attempt of one record. Acknowledging marks its offset handled (committed once every earlier offset of
/// the partition is too); rejecting hands the same record out again after the delay, with the attempt increased,
/// while its offset stays uncommitted. One object per attempt; the kit's <see cref="Delivery"/> settles it once.
/// </summary>
internal sealed class KafkaDelivery(ConsumeResult<byte[]?, byte[]?> record, PartitionLease lease, KafkaGroupConsumer consumer, int attempt)
    : Delivery(KafkaRecords.FromRecord(record, attempt))
{
    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        // Counted even when the partition was revoked meanwhile: the revocation waits for in-flight acks.
        lease.Tracker.Acknowledge(record.Offset.Value);
        consumer.Settled(lease);
        return default;
    }

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        consumer.Settled(lease);
        _ = consumer.RedeliverAsync(new KafkaRecord(record, lease, Message.DeliveryAttempt + 1), redeliverAfter);
        return default;
    }
}

/// <summary>A fetched record waiting for a reader, with the lease it was fetched under and the attempt it will be.</summary>
internal readonly record struct KafkaRecord(ConsumeResult<byte[]?, byte[]?> Record, PartitionLease Lease, int Attempt);
