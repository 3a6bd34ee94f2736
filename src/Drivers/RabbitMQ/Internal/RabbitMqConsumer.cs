using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// One consumer of a group's queue on its own channel. The client's dispatcher writes deliveries into a bounded
/// channel (never blocking: the prefetch bounds what the broker sends); the subscription runner reads them.
/// Disposing closes the AMQP channel, so the broker requeues whatever this consumer had not settled.
/// </summary>
internal sealed class RabbitMqConsumer : IDeliverySource
{
    private readonly RabbitMqDriver _driver;
    private readonly IChannel _channel;
    private readonly string _topic;
    private readonly Channel<RabbitMqDelivery> _buffer;
    private readonly int _prefetch;
    private string? _consumerTag;
    private int _closed;

    public RabbitMqConsumer(RabbitMqDriver driver, IChannel channel, string topic, string queue, int prefetch)
    {
        _driver = driver;
        _channel = channel;
        _topic = topic;
        Queue = queue;
        _prefetch = prefetch;
        _buffer = Channel.CreateBounded<RabbitMqDelivery>(new BoundedChannelOptions(prefetch) { SingleWriter = true });
    }

    public string Queue { get; }

    internal RabbitMqDriver Driver => _driver;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _channel.BasicQosAsync(0, (ushort)_prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += OnReceivedAsync;
        consumer.UnregisteredAsync += OnCancelledAsync;
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
        _consumerTag = await _channel.BasicConsumeAsync(Queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (_buffer.Reader.TryRead(out var taken))
        {
            if (taken.ExpiresAt is { } expiry && expiry <= DateTimeOffset.UtcNow)
            {
                // Expired while queued (RabbitMQ drops expired messages only at the head of a queue): never handled.
                _ = taken.AckAsync();
                continue;
            }

            delivery = taken;
            return true;
        }

        delivery = null;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        _buffer.Writer.TryComplete();
        _driver.Forget(this);
        try
        {
            // Closing the channel hands every unacknowledged delivery (read or still buffered) back to the queue.
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.AlreadyClosedException or global::RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            Log.SettleFailed(_driver.Logger, 0, Queue, e.Message);
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }

    internal bool IsClosed => Volatile.Read(ref _closed) == 1;

    /// <summary>Acknowledges or requeues a delivery of <paramref name="epoch"/>; a void tag (older connection) is skipped.</summary>
    internal async ValueTask SettleAsync(ulong deliveryTag, int epoch, bool ack, CancellationToken cancellationToken)
    {
        if (IsClosed || epoch != _driver.Epoch)
        {
            return; // the broker already requeued it when the channel or connection went away
        }

        try
        {
            if (ack)
            {
                await _channel.BasicAckAsync(deliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.AlreadyClosedException or global::RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // The channel went down meanwhile: the broker requeues the message, which is what settling would not prevent.
            Log.SettleFailed(_driver.Logger, deliveryTag, Queue, e.Message);
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs e)
    {
        var message = MessageMapping.FromDelivery(_topic, e.RoutingKey, e.Redelivered, e.BasicProperties, e.Body.ToArray(), out var expiresAt);
        var delivery = new RabbitMqDelivery(message, this, e.DeliveryTag, _driver.Epoch, expiresAt);
        if (!_buffer.Writer.TryWrite(delivery))
        {
            // Closed (the channel's close requeues it) or, with a prefetch larger than the buffer, full: wait.
            return IsClosed ? Task.CompletedTask : _buffer.Writer.WriteAsync(delivery).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        }

        return Task.CompletedTask;
    }

    private Task OnCancelledAsync(object sender, ConsumerEventArgs e)
    {
        // This driver never cancels its consumers (it closes their channels), so a cancel comes from the broker:
        // the queue was deleted, or its node is shutting down (then automatic recovery re-registers the consumer).
        if (!IsClosed)
        {
            _ = EndIfQueueGoneAsync();
        }

        return Task.CompletedTask;
    }

    /// <summary>Ends the source (the subscription faults visibly) once the queue is known to be gone for good.</summary>
    private async Task EndIfQueueGoneAsync()
    {
        while (!IsClosed)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            switch (await _driver.QueueExistsAsync(Queue).ConfigureAwait(false))
            {
                case true:
                    return;
                case false:
                    Log.ConsumerChannelClosed(_driver.Logger, Queue, "consumer cancelled by the broker: the queue was deleted");
                    _buffer.Writer.TryComplete(new BrokerClosedException($"the consumer of RabbitMQ queue '{Queue}' (cancelled by the broker: the queue was deleted)"));
                    return;
                default:
                    continue; // the connection is down: ask again once it is back
            }
        }
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        // A channel error (e.g. the queue was deleted: 404) closes only this channel, and the client recovers
        // channels only after a connection failure: end the source, so the subscription faults visibly instead of
        // waiting forever. A connection failure (320, or a lost socket) is left to automatic recovery.
        if (!IsClosed && e.Initiator == ShutdownInitiator.Peer && e.ReplyCode is 403 or 404 or 405 or 406)
        {
            Log.ConsumerChannelClosed(_driver.Logger, Queue, e.ReplyText);
            _buffer.Writer.TryComplete(new BrokerClosedException($"the consumer of RabbitMQ queue '{Queue}' (channel closed by the broker: {e.ReplyCode} {e.ReplyText})"));
        }

        return Task.CompletedTask;
    }
}
