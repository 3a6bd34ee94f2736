namespace Omnibus.Drivers;

/// <summary>
/// The contract a broker driver implements (docs/drivers/writing-a-driver.md). The core wraps it in
/// <see cref="Broker"/>, which adds validation, concurrency, ordering, retry with backoff, dead-lettering,
/// resubscription after a lost connection, tracing and metrics, so a driver only moves messages and
/// acknowledgements. Implementations are thread-safe and connect lazily (creating a driver does no I/O).
/// </summary>
public interface IBrokerDriver : IAsyncDisposable
{
    /// <summary>The scheme it was created for, e.g. <c>kafka</c>; used in errors and telemetry.</summary>
    string Scheme { get; }

    /// <summary>What the broker can do natively. Declared once, without I/O.</summary>
    BrokerFeatures Features { get; }

    /// <summary>Looking inside the broker (topics, groups, peek), or null when the broker cannot be inspected.</summary>
    IBrokerAdmin? Admin => null;

    /// <summary>Per-group backlog for scaling decisions, or null when the broker cannot tell.</summary>
    IBacklogSource? Backlog => null;

    /// <summary>
    /// Whether the broker can still do its work, and if not, why (a health endpoint reads it). Cheap, no I/O, never
    /// throws. Default: healthy, for a driver that cannot tell.
    /// </summary>
    BrokerHealth Health => BrokerHealth.Healthy;

    /// <summary>Publishes one message; completes when the broker acknowledged it.</summary>
    ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken);

    /// <summary>Publishes several messages with a per-entry outcome.</summary>
    ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Joins <see cref="ConsumerSpec.Group"/> on <see cref="ConsumerSpec.Topic"/> (creating the group at
    /// <see cref="ConsumerSpec.StartFrom"/> if new) and returns the stream of deliveries for one consumer, holding at
    /// most about <see cref="ConsumerSpec.Prefetch"/> unsettled. Completes once messages published afterwards are
    /// guaranteed to reach the group. Throws <see cref="OmnibusConfigurationException"/> for a setting the broker cannot
    /// honour. When the connection is lost later, the source ends with a <see cref="ConnectionLostException"/> and the
    /// core opens a new one.
    /// </summary>
    ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// What <see cref="StartPosition.Default"/> means on this driver, never <see cref="StartPosition.Default"/> itself:
    /// <see cref="StartPosition.Earliest"/> unless the broker cannot start a new group before its creation.
    /// </summary>
    StartPosition DefaultStartFrom => StartPosition.Earliest;
}
