namespace Omnibus;

/// <summary>A connection to one broker: publishing and subscribing through the driver its connection string picked.</summary>
public interface IBroker : IPublisher, ISubscriber, IAsyncDisposable
{
    /// <summary>The name it was registered under (dependency injection), or the driver scheme.</summary>
    string Name { get; }

    /// <summary>What the driver behind it can do.</summary>
    BrokerFeatures Features { get; }
}
