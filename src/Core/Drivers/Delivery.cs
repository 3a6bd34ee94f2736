namespace Omnibus.Drivers;

/// <summary>
/// One delivery of a message to a consumer, and the means to settle it. Settling is idempotent: only the first
/// <see cref="AckAsync"/> or <see cref="NackAsync"/> counts, later calls (and calls after the consumer closed)
/// do nothing. Thread-safe.
/// </summary>
public abstract class Delivery
{
    /// <summary>Creates a delivery of <paramref name="message"/>.</summary>
    protected Delivery(Message message) => Message = message;

    /// <summary>The delivered message, with its topic and 1-based delivery attempt.</summary>
    public Message Message { get; }

    /// <summary>The message was handled: the broker must not deliver it to this group again.</summary>
    public abstract ValueTask AckAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The message was not handled: the broker delivers it again, to any consumer of the group, no earlier than
    /// <paramref name="redeliverAfter"/> from now, with the delivery attempt increased.
    /// </summary>
    public abstract ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default);
}
