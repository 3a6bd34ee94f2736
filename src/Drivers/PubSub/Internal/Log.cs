using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>Log events of the pubsub:// driver (its ids: docs/log-events.md). Nothing here carries a credential.</summary>
internal static partial class Log
{
    [LoggerMessage(5601, LogLevel.Information, "Created Pub/Sub topic {Topic}")]
    public static partial void TopicCreated(ILogger logger, string topic);

    [LoggerMessage(5602, LogLevel.Information, "Created Pub/Sub subscription {Subscription} on topic {Topic} for group {Group} (ordering {Ordering}, ack deadline {AckDeadline}s)")]
    public static partial void SubscriptionCreated(ILogger logger, string subscription, string topic, string group, bool ordering, int ackDeadline);

    [LoggerMessage(5603, LogLevel.Information, "Streaming pull on {Subscription} open ({Address})")]
    public static partial void PullOpened(ILogger logger, string subscription, string address);

    [LoggerMessage(5604, LogLevel.Warning, "Streaming pull on {Subscription} stopped: {Reason}; the subscription reopens it with backoff")]
    public static partial void PullStopped(ILogger logger, string subscription, string reason);

    [LoggerMessage(5605, LogLevel.Debug, "Acknowledging {Count} deliveries of {Subscription} failed (they are redelivered after their deadline): {Reason}")]
    public static partial void AckFailed(ILogger logger, int count, string subscription, string reason);

    [LoggerMessage(5606, LogLevel.Debug, "Extending the lease of {Count} deliveries of {Subscription} failed (they may be redelivered): {Reason}")]
    public static partial void LeaseExtensionFailed(ILogger logger, int count, string subscription, string reason);

    [LoggerMessage(5607, LogLevel.Warning, "Pub/Sub at {Address} cannot be reached: {Reason}")]
    public static partial void Unreachable(ILogger logger, string address, string reason);

    [LoggerMessage(5608, LogLevel.Information, "Topic {Topic} was gone (an emulator restarted, or it was deleted): re-created it with {Subscriptions} subscriptions of this process's groups")]
    public static partial void TopicRecreated(ILogger logger, string topic, int subscriptions);

    [LoggerMessage(5609, LogLevel.Debug, "Handing {Count} deliveries of {Subscription} back failed (they are redelivered after their deadline): {Reason}")]
    public static partial void HandBackFailed(ILogger logger, int count, string subscription, string reason);
}
