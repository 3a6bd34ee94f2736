namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// One delivery from a group's queue; the kit settles it once. Ack is basic.ack. Nack republishes the message with
/// the next attempt number through the group's retry TTL queue of the delay's bucket and acks the original only once
/// the broker confirmed the copy; if the copy cannot be published the original is requeued at once (nothing lost).
/// </summary>
internal sealed class RabbitMqDelivery : Delivery
{
    private readonly RabbitMqConsumer _consumer;
    private readonly ulong _deliveryTag;

    public RabbitMqDelivery(Message message, RabbitMqConsumer consumer, ulong deliveryTag)
        : base(message)
    {
        _consumer = consumer;
        _deliveryTag = deliveryTag;
    }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken) => _consumer.SettleAsync(_deliveryTag, ack: true, cancellationToken);

    protected override async ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        if (_consumer.IsLost)
        {
            return; // its channel is gone: the broker has requeued it already
        }

        try
        {
            await _consumer.Owner.RepublishForRetryAsync(_consumer.Topic, _consumer.Group, Message, ExpiresAt, redeliverAfter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RetryPublishFailed(_consumer.Owner.Logger, Message.Id, _consumer.Queue, e.Message);
            await _consumer.SettleAsync(_deliveryTag, ack: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _consumer.SettleAsync(_deliveryTag, ack: true, cancellationToken).ConfigureAwait(false);
    }

    // The buffer releases its deliveries and then closes the consumer's channel, which requeues every one not acked:
    // a basic.nack per delivery would only repeat that.
    protected override ValueTask OnReleaseAsync() => default;
}
