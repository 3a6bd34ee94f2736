namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// One received SQS message. Ack deletes it (batched); a nack sets its visibility timeout to the core's backoff delay
/// (whole seconds, rounded up), so SQS redelivers it then with ApproximateReceiveCount increased; a release (the member
/// closed) sets it to 0. While unsettled its consumer extends its visibility.
/// </summary>
internal sealed class SqsDelivery : Delivery
{
    private readonly SqsConsumer _owner;

    public SqsDelivery(Message message, string receiptHandle, SqsConsumer owner)
        : base(message)
    {
        ReceiptHandle = receiptHandle;
        _owner = owner;
        LeaseRenewedAt = Environment.TickCount64;
    }

    public string ReceiptHandle { get; }

    /// <summary>Its node on the consumer's lease list while unsettled; guarded by the consumer's lease lock.</summary>
    internal LinkedListNode<SqsDelivery>? LeaseNode { get; set; }

    /// <summary>When its visibility was last (re)started, in <see cref="Environment.TickCount64"/>.</summary>
    internal long LeaseRenewedAt { get; set; }

    /// <summary>
    /// The visibility extension under way, or null: a nack or release waits for it, so an extension that reaches SQS
    /// late cannot undo the visibility the settlement set (e.g. hide a released message for a whole timeout again).
    /// </summary>
    internal Task? Extending { get; set; }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        _owner.Settled(this);
        return _owner.DeleteAsync(this, cancellationToken);
    }

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        _owner.Settled(this);
        return _owner.SetVisibilityAsync(this, redeliverAfter, cancellationToken);
    }

    protected override async ValueTask OnReleaseAsync()
    {
        _owner.Settled(this);
        await _owner.HandBackAsync(this).ConfigureAwait(false);
    }
}
