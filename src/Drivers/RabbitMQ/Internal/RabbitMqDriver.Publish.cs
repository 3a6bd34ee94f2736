using System.Collections.Concurrent;
using RabbitMQ.Client;
using PublishReturnException = RabbitMQ.Client.Exceptions.PublishReturnException;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>Publishing with publisher confirms, delayed publishes and redelivery through TTL queues.</summary>
internal sealed partial class RabbitMqDriver
{
    // TTL queues this driver uses (the admin counts them), and whether each was declared on the current connection.
    private readonly ConcurrentDictionary<string, bool> _ttlQueues = new(StringComparer.Ordinal);
    private readonly PublishTimeout _timeout = new();
    private IChannel? _publishChannel;

    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var now = DateTimeOffset.UtcNow;
        var delay = message.DeliverAfter is { } d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        if (delay > Names.MaxDelay)
        {
            return ValueTask.FromException(new PublishException(topic, Scheme, $"DeliverAfter = {delay} of message {message.Id} is too long: allowed is up to {Names.MaxDelay}."));
        }

        DateTimeOffset? expiresAt = message.TimeToLive is { } ttl ? now + delay + ttl : null;
        var known = _topics.TryGetValue(topic, out var seen) ? seen : Remember(topic);

        // A dead letter must be kept although nobody may have subscribed to the dead-letter topic yet: the replay
        // group's queue is declared with the exchange, and the publish is mandatory (unroutable = failed, never dropped).
        var deadLetter = message.Headers.ContainsKey(HeaderNames.DeadLetteredAt);
        var keeper = !deadLetter || known.KeeperDeclared ? Task.CompletedTask : EnsureDeadLetterQueueAsync(topic, known, cancellationToken);
        if (delay > TimeSpan.Zero)
        {
            // Through the topic's TTL queue of the delay's bucket, which dead-letters into the topic's exchange.
            var bucket = Names.Bucket(delay);
            var queue = Names.DelayQueue(topic, bucket);
            var properties = MessageMapping.ToProperties(message, now, keyInHeader: true, 1, expiration: null, expiresAt);
            var ttlQueue = EnsureTtlQueueAsync(queue, bucket, deadLetterExchange: topic, deadLetterRoutingKey: null, cancellationToken);
            return SendAsync(topic, string.Empty, queue, mandatory: true, properties, message, Both(keeper, ttlQueue), known, cancellationToken);
        }

        var declared = known.Declared || deadLetter ? keeper : EnsureExchangeAsync(topic, known, cancellationToken);
        return SendAsync(topic, topic, MessageMapping.RoutingKeyOf(message), mandatory: deadLetter, MessageMapping.ToProperties(message, now, keyInHeader: false, 1, message.TimeToLive, expiresAt), message, declared, known, cancellationToken);
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        // AMQP has no batch publish: the publishes are pipelined on the confirm channel, in order, and confirmed independently.
        var pending = messages.Select(m => PublishAsync(topic, m, cancellationToken).AsTask()).ToList();
        var errors = new Exception?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                await pending[i].ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors[i] = e;
            }
        }

        return new PublishBatchResult(errors);
    }

    /// <summary>
    /// Sends <paramref name="message"/> (as delivered) back to the group's queue with the next attempt number,
    /// through the group's TTL queue of the delay's bucket (none for no delay); completes once confirmed.
    /// </summary>
    internal Task RepublishForRetryAsync(string topic, string group, Message message, DateTimeOffset? expiresAt, TimeSpan delay, CancellationToken cancellationToken) =>
        RepublishAsync(topic, group, message, message.DeliveryAttempt + 1, expiresAt, delay, cancellationToken);

    /// <summary>
    /// Sends <paramref name="message"/> back to the group's queue (after <paramref name="delay"/>, through a TTL queue)
    /// recording <paramref name="attempt"/> in its attempt header; completes once confirmed.
    /// </summary>
    internal Task RepublishAsync(string topic, string group, Message message, int attempt, DateTimeOffset? expiresAt, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = Names.GroupQueue(topic, group);
        var properties = MessageMapping.ToProperties(message, DateTimeOffset.UtcNow, keyInHeader: true, attempt, expiration: null, expiresAt);
        if (delay <= TimeSpan.Zero)
        {
            return SendAsync(topic, string.Empty, queue, mandatory: true, properties, message, Task.CompletedTask, published: null, cancellationToken).AsTask();
        }

        var bucket = Names.Bucket(delay > Names.MaxDelay ? Names.MaxDelay : delay);
        var retryQueue = Names.RetryQueue(topic, group, bucket);
        var declared = EnsureTtlQueueAsync(retryQueue, bucket, deadLetterExchange: string.Empty, deadLetterRoutingKey: queue, cancellationToken);
        return SendAsync(topic, string.Empty, retryQueue, mandatory: true, properties, message, declared, published: null, cancellationToken).AsTask();
    }

    /// <summary>
    /// One publish on the confirm channel, after <paramref name="declared"/>; completes when the broker confirmed it. When
    /// <paramref name="mandatory"/>, a publish that no queue takes (basic.return) is a <see cref="PublishException"/>.
    /// </summary>
    private async ValueTask SendAsync(string topic, string exchange, string routingKey, bool mandatory, BasicProperties properties, Message message, Task declared, KnownTopic? published, CancellationToken cancellationToken)
    {
        // Without a caller's token, every publish of the same second shares one timeout token: no timer per publish.
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        linked?.CancelAfter(_settings.PublishTimeout);
        var token = linked?.Token ?? _timeout.Token(_settings.PublishTimeout);
        try
        {
            await declared.ConfigureAwait(false);
            var channel = Volatile.Read(ref _publishChannel) is { IsOpen: true } open ? open : await PublishChannelAsync(token).ConfigureAwait(false);
            await channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, message.Body, token).ConfigureAwait(false);
            if (published is not null)
            {
                Interlocked.Increment(ref published.Published);
            }
        }
        catch (PublishReturnException e)
        {
            // The queue it was meant for is gone (deleted by someone): declare again on the next try.
            if (published is not null)
            {
                published.KeeperDeclared = false;
            }

            if (exchange.Length == 0 && _ttlQueues.ContainsKey(routingKey))
            {
                _ttlQueues[routingKey] = false;
            }

            throw new PublishException(topic, Scheme, $"RabbitMQ returned message {message.Id} as unroutable ({e.ReplyCode} {e.ReplyText}): no queue is bound to exchange '{(exchange.Length == 0 ? "(default)" : exchange)}' for routing key '{routingKey}', so it was not stored.", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PublishException(topic, Scheme, $"RabbitMQ did not confirm message {message.Id} within {_settings.PublishTimeout}; it may or may not have been stored.", e);
        }
        catch (Exception e) when (e is not OmnibusException && !cancellationToken.IsCancellationRequested)
        {
            throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by RabbitMQ: {e.Message}", e);
        }
    }

    private async ValueTask<IChannel> PublishChannelAsync(CancellationToken cancellationToken)
    {
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
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
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

    private static async Task Both(Task first, Task second)
    {
        await first.ConfigureAwait(false);
        await second.ConfigureAwait(false);
    }

    /// <summary>
    /// The dead-letter topic's exchange and the durable queue of the replay group (<see cref="Middleware.DeadLetterReplayOptions.DefaultGroup"/>)
    /// bound to it with <c>#</c>: a dead letter is kept whether or not any group has subscribed to the topic.
    /// </summary>
    private async Task EnsureDeadLetterQueueAsync(string topic, KnownTopic known, CancellationToken cancellationToken)
    {
        var group = Middleware.DeadLetterReplayOptions.DefaultGroup;
        var queue = Names.GroupQueue(topic, group);
        await DeclareAsync(
            async ch =>
            {
                await ch.ExchangeDeclareAsync(topic, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                await ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                await ch.QueueBindAsync(queue, topic, "#", cancellationToken: cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        Remember(topic, group);
        known.Declared = true;
        known.KeeperDeclared = true;
    }

    private async Task EnsureExchangeAsync(string topic, KnownTopic known, CancellationToken cancellationToken)
    {
        await DeclareAsync(ch => ch.ExchangeDeclareAsync(topic, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        known.Declared = true;
    }

    /// <summary>A durable queue whose messages expire after <paramref name="ttlMs"/> into the given dead-letter exchange (and routing key).</summary>
    private Task EnsureTtlQueueAsync(string queue, long ttlMs, string deadLetterExchange, string? deadLetterRoutingKey, CancellationToken cancellationToken)
    {
        return _ttlQueues.TryGetValue(queue, out var declared) && declared ? Task.CompletedTask : DeclareQueueAsync();

        async Task DeclareQueueAsync()
        {
            var arguments = new Dictionary<string, object?> { ["x-message-ttl"] = ttlMs, ["x-dead-letter-exchange"] = deadLetterExchange };
            if (deadLetterRoutingKey is not null)
            {
                arguments["x-dead-letter-routing-key"] = deadLetterRoutingKey;
            }

            await DeclareAsync(ch => ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            _ttlQueues[queue] = true;
        }
    }

    /// <summary>Declares on a short-lived channel, so a refused declaration never closes the publish channel.</summary>
    private async Task DeclareAsync(Func<IChannel, Task> declare, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            await declare(channel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Timeout tokens shared by the publishes that start within one second: each is cancelled between the timeout and the
    /// timeout plus one second after its publish started. A linked token source with its own timer per publish was a
    /// measurable share of a publish's cost (the timer queue's lock, two allocations, the client's wait wrapper). Thread-safe.
    /// </summary>
    private sealed class PublishTimeout
    {
        private static readonly TimeSpan Granularity = TimeSpan.FromSeconds(1);
        private Slot? _slot;

        public CancellationToken Token(TimeSpan timeout)
        {
            var now = Environment.TickCount64;
            var slot = Volatile.Read(ref _slot);
            if (slot is null || now >= slot.NewPublishesUntil)
            {
                // Never disposed: once its timer fired nothing references it, and racing threads may each make one.
                slot = new Slot(new CancellationTokenSource(timeout + Granularity), now + (long)Granularity.TotalMilliseconds);
                Volatile.Write(ref _slot, slot);
            }

            return slot.Source.Token;
        }

        private sealed record Slot(CancellationTokenSource Source, long NewPublishesUntil);
    }
}
