using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// One delivery of one stream entry to one consumer. Settling it goes to its consumer: an ack is an XACK (batched), a
/// nack keeps the entry pending and claims it again after the delay, a release makes it claimable by the group's other
/// consumers at once. One object per attempt, settled once (the kit's <see cref="Delivery"/> guards it).
/// </summary>
internal sealed class RedisDelivery : Delivery
{
    public RedisDelivery(RedisConsumer consumer, RedisValue entryId, Message message, DateTimeOffset? expiresAt)
        : base(message)
    {
        Consumer = consumer;
        EntryId = entryId;
        ExpiresAt = expiresAt;
    }

    public RedisConsumer Consumer { get; }

    /// <summary>The entry's stream id, e.g. <c>1700000000000-0</c>.</summary>
    public RedisValue EntryId { get; }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken) => Consumer.AckAsync(this);

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken) => Consumer.NackAsync(this, redeliverAfter);

    protected override ValueTask OnReleaseAsync() => Consumer.ReleaseAsync(this);
}
