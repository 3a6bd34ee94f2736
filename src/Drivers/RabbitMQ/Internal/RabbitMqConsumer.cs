using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// One consumer of a group's queue on its own channel, feeding the kit's <see cref="DeliveryBuffer"/> (its
/// <see cref="Source"/>). When the channel goes down for any reason but our own close (connection lost, queue deleted,
/// consumer cancelled by the broker) the buffer fails with <see cref="ConnectionLostException"/> and the core opens
/// a new consumer; delivery tags of the old channel are void from then on. Closing the channel requeues whatever this
/// consumer had not acknowledged.
/// </summary>
internal sealed class RabbitMqConsumer
{
    private readonly IChannel _channel;
    private int _lost;

    public RabbitMqConsumer(RabbitMqDriver driver, IChannel channel, ConsumerSpec spec, int prefetch)
    {
        Owner = driver;
        _channel = channel;
        Topic = spec.Topic;
        Group = spec.Group;
        Queue = Names.GroupQueue(spec.Topic, spec.Group);
        Source = new DeliveryBuffer(prefetch, CloseAsync);
    }

    public RabbitMqDriver Owner { get; }

    public string Topic { get; }

    public string Group { get; }

    public string Queue { get; }

    /// <summary>What the core reads; disposing it closes this consumer.</summary>
    public DeliveryBuffer Source { get; }

    /// <summary>Deliveries the broker sent this consumer and it has not acknowledged yet (buffered or being handled).</summary>
    public int InFlight => Source.Buffered + Source.Unsettled;

    /// <summary>Whether the channel is gone (or closing): its delivery tags are void, the broker requeues those messages.</summary>
    public bool IsLost => Volatile.Read(ref _lost) == 1;

    public async Task StartAsync(int prefetch, CancellationToken cancellationToken)
    {
        await _channel.BasicQosAsync(0, (ushort)prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += OnReceivedAsync;
        consumer.UnregisteredAsync += (_, _) => Lose("consumer cancelled by the broker (queue deleted, or its node shutting down)");
        _channel.ChannelShutdownAsync += (_, e) => Lose($"channel closed: {e.ReplyCode} {e.ReplyText}");
        await _channel.BasicConsumeAsync(Queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SettleAsync(ulong deliveryTag, bool ack, CancellationToken cancellationToken)
    {
        if (IsLost)
        {
            return;
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
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel went down meanwhile: the broker requeues the message, which settling would not prevent.
            Log.SettleFailed(Owner.Logger, deliveryTag, Queue, e.Message);
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs e)
    {
        var message = MessageMapping.FromDelivery(Topic, e.RoutingKey, e.Redelivered, e.BasicProperties, e.Body.ToArray(), out var expiresAt);
        if (e.Redelivered)
        {
            return RecordAttemptAsync(message, expiresAt, e.DeliveryTag);
        }

        var delivery = new RabbitMqDelivery(message, this, e.DeliveryTag) { ExpiresAt = expiresAt };

        // The buffer holds the prefetch, so it has room unless the core's readers are slow to take; then wait.
        return Source.TryWrite(delivery) ? Task.CompletedTask : Source.WriteAsync(delivery).AsTask();
    }

    /// <summary>
    /// A redelivered message: an earlier delivery ended unsettled (its consumer died, lost its connection or closed
    /// holding it), which RabbitMQ only flags, without counting. The attempt it used is made durable before any handler
    /// sees the message again: it goes back to the queue with the next attempt in its header (confirmed), and only then
    /// is this delivery acknowledged. A process that dies in the handler every time therefore uses up its attempts.
    /// </summary>
    private async Task RecordAttemptAsync(Message message, DateTimeOffset? expiresAt, ulong deliveryTag)
    {
        try
        {
            await Owner.RepublishAsync(Topic, Group, message, message.DeliveryAttempt, expiresAt, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PublishException or OperationCanceledException)
        {
            // Not recorded: requeued as it is, still flagged, so the next delivery tries again.
            Log.RetryPublishFailed(Owner.Logger, message.Id, Queue, e.Message);
            await SettleAsync(deliveryTag, ack: false, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await SettleAsync(deliveryTag, ack: true, CancellationToken.None).ConfigureAwait(false);
    }

    private Task Lose(string reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            Log.ConsumerLost(Owner.Logger, Queue, reason);
            Source.Fail(new ConnectionLostException(Owner.Scheme, $"The consumer of RabbitMQ queue '{Queue}' was lost: {reason}."));
        }

        return Task.CompletedTask;
    }

    private async ValueTask CloseAsync()
    {
        Volatile.Write(ref _lost, 1);
        Owner.Forget(this);
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            Log.SettleFailed(Owner.Logger, 0, Queue, e.Message); // already down: the broker requeued everything
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
