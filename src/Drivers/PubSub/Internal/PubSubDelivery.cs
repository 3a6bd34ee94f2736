namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// One received Pub/Sub message. Ack is Acknowledge (batched by its member); a nack is ModifyAckDeadline to the
/// core's backoff delay (the service redelivers when it runs out; under a second the member waits it out itself, then
/// sets the deadline to 0); a release (the member closed) ModifyAckDeadline 0, once the member's stream has ended, in the order received. While unsettled its member extends its
/// lease.
/// </summary>
internal sealed class PubSubDelivery : Delivery
{
    private readonly PubSubConsumer _owner;

    public PubSubDelivery(string ackId, string serviceMessageId, Message message, PubSubConsumer owner)
        : base(message)
    {
        AckId = ackId;
        ServiceMessageId = serviceMessageId;
        _owner = owner;
        LeaseRenewedAt = Environment.TickCount64;
    }

    public string AckId { get; }

    /// <summary>The message id Pub/Sub gave it (the same on every redelivery).</summary>
    public string ServiceMessageId { get; }

    /// <summary>Its place in the order its member received deliveries (1, 2, ...).</summary>
    internal long Sequence { get; init; }

    /// <summary>Its node on the member's lease list while unsettled; guarded by the member's lease lock.</summary>
    internal LinkedListNode<PubSubDelivery>? LeaseNode { get; set; }

    /// <summary>When its ack deadline was last set (delivery or extension), in <see cref="Environment.TickCount64"/>.</summary>
    internal long LeaseRenewedAt { get; set; }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken) => _owner.AckAsync(this);

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken) => _owner.NackAsync(this, redeliverAfter);

    protected override ValueTask OnReleaseAsync() => _owner.HandBackAsync(this);
}
