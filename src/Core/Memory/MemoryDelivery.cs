using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// A message as one group holds it, built ready for its next delivery attempt: the group's queue carries these,
/// a consumer takes one, and settling it either ends it (ack) or puts a new one for the next attempt in the
/// queue (nack, release). One object per attempt, settled once (the kit's <see cref="Delivery"/> guards it).
/// </summary>
internal sealed class MemoryDelivery : Delivery
{
    public MemoryDelivery(Message published, MemoryGroup group, DateTimeOffset publishedAt)
        : base(published.ForDelivery(group.Topic.Name, 1, published.Timestamp != default ? published.Timestamp : publishedAt))
    {
        Group = group;
        Sequence = group.NextSequence();
        Lane = group.LaneOf(published.Key);
        VisibleAt = published.DeliverAfter is { } delay && delay > TimeSpan.Zero ? publishedAt + delay : null;
        ExpiresAt = published.TimeToLive is { } ttl ? (VisibleAt ?? publishedAt) + ttl : null;
    }

    private MemoryDelivery(MemoryDelivery previous)
        : base(previous.Message.ForDelivery(previous.Message.Topic, previous.Message.DeliveryAttempt + 1))
    {
        Group = previous.Group;
        Sequence = previous.Sequence;
        Lane = previous.Lane;
        ExpiresAt = previous.ExpiresAt;
    }

    public MemoryGroup Group { get; }

    /// <summary>Its place in the group's publish order, kept by every attempt.</summary>
    public long Sequence { get; }

    /// <summary>The key lane of its key, or -1 without a key.</summary>
    public int Lane { get; }

    /// <summary>Not before this time (a delayed publish); null once visible.</summary>
    public DateTimeOffset? VisibleAt { get; }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        Group.Settled(Lane);
        return default;
    }

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        Group.Redeliver(new MemoryDelivery(this), redeliverAfter);
        return default;
    }

    protected override ValueTask OnExpiredAsync()
    {
        Group.CountExpired(Lane);
        return default;
    }
}
