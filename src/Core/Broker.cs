using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Omnibus.Diagnostics;
using Omnibus.Drivers;
using Omnibus.Internal;

namespace Omnibus;

/// <summary>
/// A connection to a broker through the driver its connection string picks, with the core's behaviour around
/// it: validation, concurrency, per-key ordering, retry with backoff, dead-lettering, tracing and metrics.
/// Thread-safe. Dispose it to close every subscription (draining them) and the driver.
/// </summary>
/// <example><code>
/// await using var broker = Broker.Connect("memory://");
/// await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("orders", "shipping"), (m, ct) => Ship(m));
/// await broker.PublishAsync("orders", Message.From(order));
/// </code></example>
public sealed class Broker : IBroker
{
    private readonly IBrokerDriver _driver;
    private readonly BrokerClientOptions _options;
    private readonly ConcurrentDictionary<SubscriptionRunner, byte> _subscriptions = new();
    private int _closed;

    /// <summary>Wraps an already created driver (plain construction, without a connection string).</summary>
    public Broker(IBrokerDriver driver, BrokerClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        _driver = driver;
        _options = options ?? BrokerClientOptions.Default;
        Name = _options.Name ?? driver.Scheme;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public BrokerFeatures Features => _driver.Features;

    /// <inheritdoc />
    public string Scheme => _driver.Scheme;

    /// <inheritdoc />
    public IBrokerAdmin? Admin => _driver.Admin;

    /// <inheritdoc />
    public IBacklogSource? Backlog => _driver.Backlog;

    /// <inheritdoc />
    public BrokerHealth Health => _driver.Health;

    /// <summary>The driver behind this broker (the core's own machinery only: callers use the members above).</summary>
    internal IBrokerDriver Driver => _driver;

    /// <summary>Creates a broker for <paramref name="connectionString"/>. Does not connect yet.</summary>
    /// <exception cref="OmnibusConfigurationException">Unknown scheme, unknown or unsupported option, or a bad value.</exception>
    public static Broker Connect(string connectionString, BrokerClientOptions? options = null)
    {
        options ??= BrokerClientOptions.Default;
        var registry = options.Registry ?? BrokerRegistry.Default;
        var (parsed, factory) = registry.Resolve(connectionString);
        var reconnect = new RetryBackoff
        {
            Initial = factory.Options.GetDuration(parsed, DriverOptionTable.ReconnectDelay.Name),
            Max = TimeSpan.FromMilliseconds(Math.Max(
                factory.Options.GetDuration(parsed, DriverOptionTable.ReconnectMaxDelay.Name).TotalMilliseconds,
                factory.Options.GetDuration(parsed, DriverOptionTable.ReconnectDelay.Name).TotalMilliseconds)),
        };
        var broker = new Broker(factory.Create(parsed, options.LoggerFactory), options with { Reconnect = options.Reconnect ?? reconnect });
        Log.BrokerCreated(options.LoggerFactory.CreateLogger<Broker>(), broker.Name, parsed.ToString());
        return broker;
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfClosed();
        TopicName.Validate(topic, nameof(topic));
        if (message.DeliverAfter is not null || message.TimeToLive is not null || message.HasHeaders)
        {
            CheckPublish(message);
        }

        if (message.IdempotencyId is not null)
        {
            message = CarryIdempotencyId(message);
        }

        var activity = MessageTracing.StartPublish(_driver.Scheme, topic, message);
        var pending = _driver.PublishAsync(topic, message, cancellationToken);
        if (activity is null && pending.IsCompletedSuccessfully)
        {
            if (OmnibusTelemetry.Published.Enabled)
            {
                OmnibusTelemetry.Published.Add(1, OmnibusTelemetry.Tags(_driver.Scheme, topic));
            }

            return default;
        }

        return AwaitPublish(pending, topic, activity);
    }

    /// <inheritdoc />
    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ThrowIfClosed();
        TopicName.Validate(topic, nameof(topic));
        var activities = new System.Diagnostics.Activity?[messages.Count];
        Message[]? copies = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Entry {i} of the batch is null.", nameof(messages));
            CheckPublish(message);
            if (message.IdempotencyId is not null && CarryIdempotencyId(message) is var carried && !ReferenceEquals(carried, message))
            {
                (copies ??= [.. messages])[i] = carried; // the caller's list stays as it was
            }

            activities[i] = MessageTracing.StartPublish(_driver.Scheme, topic, message);
        }

        var result = await _driver.PublishBatchAsync(topic, copies ?? messages, cancellationToken).ConfigureAwait(false);
        var tags = OmnibusTelemetry.Tags(_driver.Scheme, topic);
        for (var i = 0; i < messages.Count; i++)
        {
            if (result.ErrorOf(i) is { } error)
            {
                MessageTracing.Fail(activities[i], error);
                OmnibusTelemetry.PublishFailed.Add(1, tags);
            }
            else
            {
                OmnibusTelemetry.Published.Add(1, tags);
            }

            activities[i]?.Dispose();
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask<ISubscription> SubscribeAsync(SubscriptionOptions options, MessageHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(options, handler, null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ISubscription> SubscribeBatchAsync(SubscriptionOptions options, BatchHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(options, null, handler, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IDeliverySource> OpenDeliveriesAsync(SubscriptionOptions options, bool batch = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfClosed();
        Check(options, batch);
        return _driver.OpenAsync(new ConsumerSpec(options, batch, _driver.DefaultStartFrom), cancellationToken);
    }

    /// <summary>Closes every subscription (draining each), then the driver. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        await Task.WhenAll(_subscriptions.Keys.Select(s => s.CloseAsync().AsTask())).ConfigureAwait(false);
        await _driver.DisposeAsync().ConfigureAwait(false);
    }

    internal void Forget(SubscriptionRunner runner) => _subscriptions.TryRemove(runner, out _);

    private async ValueTask<ISubscription> StartAsync(SubscriptionOptions options, MessageHandler? handler, BatchHandler? batchHandler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfClosed();
        Check(options, batchHandler is not null);

        if (handler is not null)
        {
            for (var i = _options.Middleware.Count - 1; i >= 0; i--)
            {
                handler = _options.Middleware[i](handler, options);
            }
        }

        var runner = new SubscriptionRunner(this, _driver, new ConsumerSpec(options, batchHandler is not null, _driver.DefaultStartFrom), handler, batchHandler, _options);
        _subscriptions.TryAdd(runner, 0);
        try
        {
            await runner.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(runner, out _);
            throw;
        }

        return runner;
    }

    /// <summary>Options the driver cannot honour fail here, at subscribe, never later.</summary>
    private void Check(SubscriptionOptions options, bool batch)
    {
        options.Validate();
        if (options.Ordering == MessageOrdering.ByKey && !_driver.Features.KeyOrdering)
        {
            throw new OmnibusConfigurationException(nameof(options.Ordering), $"Ordering = ByKey is not possible on the {_driver.Scheme}:// driver, which does not keep per-key order: allowed is None.");
        }

        if (options.Ordering == MessageOrdering.ByKey && batch)
        {
            throw new OmnibusConfigurationException(nameof(options.Ordering), "Ordering = ByKey cannot be combined with batch handling: allowed is None for a batch subscription.");
        }
    }

    /// <summary>
    /// A broker that does not deduplicate publishes gets <see cref="Message.IdempotencyId"/> as the
    /// <see cref="HeaderNames.IdempotencyId"/> header (on a copy), for the idempotent-consumer middleware: never dropped.
    /// </summary>
    private Message CarryIdempotencyId(Message message)
    {
        if (_driver.Features.ExactlyOnce || message.GetHeader(HeaderNames.IdempotencyId) == message.IdempotencyId)
        {
            return message;
        }

        var copy = message.WithKey(message.Key);
        copy.Headers[HeaderNames.IdempotencyId] = message.IdempotencyId!;
        return copy;
    }

    /// <summary>Publishing options the driver cannot honour fail at the publish, never silently.</summary>
    private void CheckPublish(Message message)
    {
        if (message.DeliverAfter is { } delay && delay > TimeSpan.Zero && !_driver.Features.DelayedDelivery)
        {
            throw FeatureNotSupportedException.For(_driver.Scheme, nameof(Message.DeliverAfter), "this broker cannot hold a message back; publish without DeliverAfter, or schedule it in the application.");
        }

        if (message.TimeToLive is not null && !_driver.Features.TimeToLive)
        {
            throw FeatureNotSupportedException.For(_driver.Scheme, nameof(Message.TimeToLive), "this broker cannot expire a message; publish without TimeToLive.");
        }

        if (message.HasHeaders && message.Headers.TryGetValue(HeaderNames.Retain, out var retain) && !_driver.Features.RetainedMessages)
        {
            throw FeatureNotSupportedException.For(_driver.Scheme, $"header {HeaderNames.Retain} = '{retain}' of message {message.Id}", "this broker keeps no retained message for new groups (only embedded://, and omnibus:// on an embedded server, do); publish without the header.");
        }
    }

    private async ValueTask AwaitPublish(ValueTask pending, string topic, System.Diagnostics.Activity? activity)
    {
        try
        {
            await pending.ConfigureAwait(false);
            OmnibusTelemetry.Published.Add(1, OmnibusTelemetry.Tags(_driver.Scheme, topic));
        }
        catch (Exception e)
        {
            MessageTracing.Fail(activity, e);
            OmnibusTelemetry.PublishFailed.Add(1, OmnibusTelemetry.Tags(_driver.Scheme, topic));
            throw;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed) == 1)
        {
            throw new BrokerClosedException($"broker '{Name}'");
        }
    }
}
