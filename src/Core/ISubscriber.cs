namespace Omnibus;

/// <summary>Starts subscriptions. Implementations are thread-safe.</summary>
public interface ISubscriber
{
    /// <summary>
    /// Starts handling messages of <see cref="SubscriptionOptions.Topic"/> as <see cref="SubscriptionOptions.Group"/>.
    /// Completes once the subscription is registered with the broker, so messages published afterwards reach it.
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">The options are invalid.</exception>
    ValueTask<ISubscription> SubscribeAsync(SubscriptionOptions options, MessageHandler handler, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SubscribeAsync"/>, handing messages over in batches (see <see cref="SubscriptionOptions.Batch"/>).</summary>
    ValueTask<ISubscription> SubscribeBatchAsync(SubscriptionOptions options, BatchHandler handler, CancellationToken cancellationToken = default);
}
