namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// One delivery from a group's queue. Ack is basic.ack. Nack republishes the message with the next attempt
/// number through the retry TTL queue of the delay's bucket and acks the original only once the broker confirmed
/// the copy; if the copy cannot be published the original is requeued at once (nothing lost, no delay).
/// Settlement is idempotent: the first call wins.
/// </summary>
internal sealed class RabbitMqDelivery : Delivery
{
    private readonly RabbitMqConsumer _consumer;
    private readonly ulong _deliveryTag;
    private readonly int _epoch;
    private int _settled;

    public RabbitMqDelivery(Message message, RabbitMqConsumer consumer, ulong deliveryTag, int epoch, DateTimeOffset? expiresAt)
        : base(message)
    {
        _consumer = consumer;
        _deliveryTag = deliveryTag;
        _epoch = epoch;
        ExpiresAt = expiresAt;
    }

    public DateTimeOffset? ExpiresAt { get; }

    public override ValueTask AckAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _settled, 1) == 1 ? default : _consumer.SettleAsync(_deliveryTag, _epoch, ack: true, cancellationToken);

    public override async ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 1 || _consumer.IsClosed || _epoch != _consumer.Driver.Epoch)
        {
            return;
        }

        try
        {
            await _consumer.Driver.RepublishForRetryAsync(_consumer.Queue, Message, Message.DeliveryAttempt + 1, ExpiresAt, redeliverAfter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RetryPublishFailed(_consumer.Driver.Logger, Message.Id, _consumer.Queue, e.Message);
            await _consumer.SettleAsync(_deliveryTag, _epoch, ack: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _consumer.SettleAsync(_deliveryTag, _epoch, ack: true, cancellationToken).ConfigureAwait(false);
    }
}
