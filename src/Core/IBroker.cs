using Omnibus.Drivers;

namespace Omnibus;

/// <summary>
/// A connection to one broker: publishing and subscribing through the driver its connection string picked, and
/// what else that broker can do (inspection, backlog), reached through nullable members rather than casts.
/// </summary>
public interface IBroker : IPublisher, ISubscriber, IAsyncDisposable
{
    /// <summary>The name it was registered under (dependency injection), or the driver scheme.</summary>
    string Name { get; }

    /// <summary>The driver's scheme, e.g. <c>kafka</c>.</summary>
    string Scheme { get; }

    /// <summary>What the driver behind it can do.</summary>
    BrokerFeatures Features { get; }

    /// <summary>
    /// Topics, groups with their lag, and stored messages, or null when this broker cannot be inspected. Members a
    /// broker cannot answer throw <see cref="FeatureNotSupportedException"/>.
    /// </summary>
    IBrokerAdmin? Admin { get; }

    /// <summary>How many messages a group has still to handle (for scaling and idle detection), or null when the broker cannot tell.</summary>
    IBacklogSource? Backlog { get; }

    /// <summary>Whether the broker can still do its work (e.g. an embedded engine whose disk failed cannot), and if not, why.</summary>
    BrokerHealth Health { get; }

    /// <summary>
    /// Opens a consumer without the core's handling: the caller reads deliveries and settles each itself (ack, nack,
    /// dead-letter). For servers and bridges that pass deliveries on; applications use <see cref="ISubscriber.SubscribeAsync"/>.
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">The options are invalid or cannot be honoured by the driver.</exception>
    ValueTask<IDeliverySource> OpenDeliveriesAsync(SubscriptionOptions options, bool batch = false, CancellationToken cancellationToken = default);
}
