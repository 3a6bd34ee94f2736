using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>Publishing with publisher confirms, delayed publishes and redelivery through TTL queues.</summary>
internal sealed partial class RabbitMqDriver
{
    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        try
        {
            await PublishCoreAsync(topic, message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OmnibusException && !cancellationToken.IsCancellationRequested)
        {
            throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by RabbitMQ: {e.Message}", e);
        }
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();

        // AMQP has no batch publish; the publishes are pipelined on the confirm channel and confirmed independently.
        var tasks = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            tasks[i] = PublishAsync(topic, messages[i], cancellationToken).AsTask();
        }

        var errors = new Exception?[messages.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            try
            {
                await tasks[i].ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors[i] = e;
            }
        }

        return new PublishBatchResult(errors);
    }

    /// <summary>
    /// Sends <paramref name="message"/> (as delivered) back to <paramref name="queue"/> with attempt
    /// <paramref name="nextAttempt"/>, through the TTL queue of the delay's bucket; completes once confirmed.
    /// </summary>
    internal async Task RepublishForRetryAsync(string queue, Message message, int nextAttempt, DateTimeOffset? expiresAt, TimeSpan delay, CancellationToken cancellationToken)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var properties = MessageMapping.ToProperties(message, DateTimeOffset.UtcNow, keyInHeader: true, nextAttempt, expiration: null, expiresAt);
        string exchange;
        if (delay > TimeSpan.Zero)
        {
            var bucket = Names.Bucket(delay > Names.MaxDelay ? Names.MaxDelay : delay);
            exchange = Names.RetryQueue(bucket);
            await EnsureRetryBucketAsync(exchange, bucket, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            exchange = string.Empty; // the default exchange: straight back into the group's queue
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.PublishTimeout);
        await channel.BasicPublishAsync(exchange, queue, mandatory: false, properties, message.Body, timeout.Token).ConfigureAwait(false);
    }

    private async Task PublishCoreAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        await EnsureExchangeAsync(topic, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var delay = message.DeliverAfter is { } d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        if (delay > Names.MaxDelay)
        {
            throw new PublishException(topic, Scheme, $"DeliverAfter = {delay} of message {message.Id} is too long: allowed is up to {Names.MaxDelay}.");
        }

        DateTimeOffset? expiresAt = message.TimeToLive is { } ttl ? now + delay + ttl : null;
        string exchange, routingKey;
        BasicProperties properties;
        if (delay > TimeSpan.Zero)
        {
            // Through the topic's TTL queue of the delay's bucket, which dead-letters into the topic's exchange.
            var bucket = Names.Bucket(delay);
            routingKey = Names.DelayQueue(topic, bucket);
            exchange = string.Empty;
            await EnsureDelayQueueAsync(topic, routingKey, bucket, cancellationToken).ConfigureAwait(false);
            properties = MessageMapping.ToProperties(message, now, keyInHeader: true, 1, expiration: null, expiresAt);
        }
        else
        {
            exchange = topic;
            routingKey = MessageMapping.RoutingKeyOf(message);
            properties = MessageMapping.ToProperties(message, now, keyInHeader: false, 1, message.TimeToLive, expiresAt);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.PublishTimeout);
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, message.Body, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PublishException(topic, Scheme, $"RabbitMQ did not confirm message {message.Id} within {_settings.PublishTimeout}; it may or may not have been stored.", e);
        }
    }

    private async ValueTask<IChannel> PublishChannelAsync(CancellationToken cancellationToken)
    {
        var channel = Volatile.Read(ref _publishChannel);
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();

            // A channel closed by a channel error is not recovered by the client: replace it, but only while the
            // connection is up (during an outage the recovering channel comes back by itself).
            if (_publishChannel is null || (!_publishChannel.IsOpen && connection.IsOpen))
            {
                var old = _publishChannel;
                _publishChannel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                    cancellationToken).ConfigureAwait(false);
                if (old is not null)
                {
                    await old.DisposeAsync().ConfigureAwait(false);
                }
            }

            return _publishChannel;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private Task EnsureExchangeAsync(string topic, CancellationToken cancellationToken) =>
        DeclareOnceAsync(topic, ch => ch.ExchangeDeclareAsync(topic, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken), cancellationToken);

    private Task EnsureDelayQueueAsync(string topic, string queue, long bucketMs, CancellationToken cancellationToken) =>
        DeclareOnceAsync(queue, async ch =>
        {
            var arguments = new Dictionary<string, object?>
            {
                ["x-message-ttl"] = bucketMs,
                ["x-dead-letter-exchange"] = topic,
            };
            await ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private Task EnsureRetryBucketAsync(string name, long bucketMs, CancellationToken cancellationToken) =>
        DeclareOnceAsync(name, async ch =>
        {
            // Fanout keeps the routing key (the group's queue), which the default exchange then routes by on expiry.
            var arguments = new Dictionary<string, object?>
            {
                ["x-message-ttl"] = bucketMs,
                ["x-dead-letter-exchange"] = string.Empty,
            };
            await ch.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await ch.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            await ch.QueueBindAsync(name, name, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Declares on a short-lived channel, so a refused declaration never closes the publish channel.</summary>
    private async Task DeclareOnceAsync(string name, Func<IChannel, Task> declare, CancellationToken cancellationToken)
    {
        if (_declared.ContainsKey(name))
        {
            return;
        }

        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            await declare(channel).ConfigureAwait(false);
        }

        _declared.TryAdd(name, 0);
    }
}
