using NATS.Client.JetStream;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// One JetStream delivery. Ack is Ack; a nack is a Nak with the core's backoff as its delay; a release (the member
/// closed) a Nak without delay, held until the member's last pull request ended. While unsettled it is on its consumer's lease list, which sends in-progress acks.
/// </summary>
internal sealed class NatsDelivery : Delivery
{
    private readonly INatsJSMsg<byte[]> _msg;
    private readonly NatsConsumer _owner;

    public NatsDelivery(INatsJSMsg<byte[]> msg, Message message, NatsConsumer owner)
        : base(message)
    {
        _msg = msg;
        _owner = owner;
        LeaseRenewedAt = Environment.TickCount64;
    }

    /// <summary>Its node on the consumer's lease list while unsettled; guarded by the consumer's lease lock.</summary>
    internal LinkedListNode<NatsDelivery>? LeaseNode { get; set; }

    /// <summary>When the server last restarted its ack-wait clock (delivery or in-progress ack), in <see cref="Environment.TickCount64"/>.</summary>
    internal long LeaseRenewedAt { get; set; }

    /// <summary>Restarts the server's ack-wait clock of this delivery.</summary>
    internal ValueTask ExtendLeaseAsync() => _msg.AckProgressAsync();

    // After the last attempt the core dead-letters and then acknowledges: a plain Ack stops redelivery exactly as AckTerm
    // would (nats-server treats a term as an ack of that sequence), without a "terminated" advisory for a message the
    // core has handled by dead-lettering it. See docs/drivers/nats.md.
    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        _owner.Settled(this);
        return _msg.AckAsync(cancellationToken: cancellationToken);
    }

    // The member closed: its consumer holds the nak until its last pull request has ended (see NatsConsumer).
    protected override ValueTask OnReleaseAsync()
    {
        _owner.Settled(this);
        return _owner.HandBackAsync(this);
    }

    /// <summary>A nak without delay, sent now.</summary>
    internal ValueTask NakNowAsync() => _msg.NakAsync();

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        _owner.Settled(this);
        return redeliverAfter > TimeSpan.Zero
            ? _msg.NakAsync(new AckOpts { NakDelay = redeliverAfter }, cancellationToken)
            : _msg.NakAsync(cancellationToken: cancellationToken);
    }
}
