using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// A message as one group holds it, built ready for its next delivery attempt: the group's queue carries these,
/// a consumer takes one, and settling it either ends it (ack) or puts a new one for the next attempt in the
/// queue (nack, release). One object per attempt makes settlement idempotent: a stale delivery is never queued
/// again. The first settlement wins; later ones do nothing.
/// </summary>
internal sealed class MemoryDelivery : Delivery
{
    public MemoryDelivery(Message published, MemoryGroup group, DateTimeOffset publishedAt)
        : base(published.ForDelivery(group.Topic.Name, 1, published.Timestamp != default ? published.Timestamp : publishedAt))
    {
        Group = group;
        VisibleAt = published.DeliverAfter is { } delay && delay > TimeSpan.Zero ? publishedAt + delay : null;
        ExpiresAt = published.TimeToLive is { } ttl ? (VisibleAt ?? publishedAt) + ttl : null;
    }

    private MemoryDelivery(MemoryDelivery previous)
        : base(previous.Message.ForDelivery(previous.Message.Topic, previous.Message.DeliveryAttempt + 1))
    {
        Group = previous.Group;
        ExpiresAt = previous.ExpiresAt;
    }

    public MemoryGroup Group { get; }

    /// <summary>Not before this time (a delayed publish); null once visible.</summary>
    public DateTimeOffset? VisibleAt { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The consumer holding it; set when taken. Guarded by that consumer's lock from then on.</summary>
    internal MemoryConsumer? Consumer { get; set; }

    /// <summary>Links of the owning consumer's list of unsettled deliveries; guarded by the consumer's lock.</summary>
    internal MemoryDelivery? Previous { get; set; }

    internal MemoryDelivery? Next { get; set; }

    internal bool Tracked { get; set; }

    public override ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        if (Consumer is { } consumer && consumer.Settle(this))
        {
            Group.Settled();
        }

        return default;
    }

    public override ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
    {
        if (Consumer is { } consumer && consumer.Settle(this))
        {
            Group.Redeliver(new MemoryDelivery(this), redeliverAfter);
        }

        return default;
    }

    /// <summary>Its consumer closed before it was settled: the next attempt goes back to the group at once.</summary>
    internal void Release() => Group.Redeliver(new MemoryDelivery(this), TimeSpan.Zero);
}
