namespace Omnibus.Drivers;

/// <summary>
/// The contract a broker driver implements. The core wraps it in <see cref="Broker"/>, which adds validation,
/// concurrency, ordering, retry with backoff, dead-lettering, tracing and metrics, so a driver only moves
/// messages and acknowledgements. Implementations are thread-safe and connect lazily (creating a driver does no I/O).
/// </summary>
public interface IBrokerDriver : IAsyncDisposable
{
    /// <summary>The scheme it was created for, e.g. <c>kafka</c>; used in errors and telemetry.</summary>
    string Scheme { get; }

    /// <summary>What the broker can do natively.</summary>
    BrokerFeatures Features { get; }

    /// <summary>Publishes one message; completes when the broker acknowledged it.</summary>
    ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken);

    /// <summary>Publishes several messages with a per-entry outcome.</summary>
    ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Joins <see cref="SubscriptionOptions.Group"/> on <see cref="SubscriptionOptions.Topic"/> (creating the group at
    /// <see cref="SubscriptionOptions.StartFrom"/> if new) and returns the stream of deliveries for one consumer.
    /// <see cref="SubscriptionOptions.Concurrency"/> is a prefetch hint. Completes once messages published afterwards
    /// are guaranteed to reach the group.
    /// </summary>
    ValueTask<IDeliverySource> OpenAsync(SubscriptionOptions options, CancellationToken cancellationToken);
}
