using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>Log events of the nats:// driver (its ids: docs/log-events.md).</summary>
internal static partial class Log
{
    [LoggerMessage(5201, LogLevel.Warning, "NATS connection to {Url} lost: {Reason}; reconnecting, its consumers are reopened")]
    public static partial void ConnectionLost(ILogger logger, string url, string reason);

    [LoggerMessage(5202, LogLevel.Information, "NATS connection to {Url} open")]
    public static partial void ConnectionOpened(ILogger logger, string url);

    [LoggerMessage(5203, LogLevel.Warning, "Reconnecting to NATS at {Url} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, string url, string reason);

    [LoggerMessage(5204, LogLevel.Information, "Created stream {Stream} for topic {Topic} ({Storage} storage, {Replicas} replicas)")]
    public static partial void StreamCreated(ILogger logger, string stream, string topic, string storage, int replicas);

    [LoggerMessage(5205, LogLevel.Debug, "Topic {Topic} is stored in the existing stream {Stream}")]
    public static partial void StreamFound(ILogger logger, string topic, string stream);

    [LoggerMessage(5206, LogLevel.Information, "Created durable consumer {Consumer} on stream {Stream} for group {Group} (deliver {DeliverPolicy})")]
    public static partial void ConsumerCreated(ILogger logger, string consumer, string stream, string group, string deliverPolicy);

    [LoggerMessage(5207, LogLevel.Warning, "Pulling from consumer {Consumer} of stream {Stream} stopped: {Reason}; the subscription reopens it")]
    public static partial void PullStopped(ILogger logger, string consumer, string stream, string reason);

    [LoggerMessage(5208, LogLevel.Debug, "Extending the lease of a delivery of {Consumer} failed (it is redelivered after ack wait): {Reason}")]
    public static partial void LeaseExtensionFailed(ILogger logger, string consumer, string reason);

    [LoggerMessage(5209, LogLevel.Debug, "Backlog of group {Group} on topic {Topic} unavailable: {Reason}")]
    public static partial void BacklogUnavailable(ILogger logger, string topic, string group, string reason);

    [LoggerMessage(5210, LogLevel.Debug, "Handing a delivery of {Consumer} back failed (it is redelivered after ack wait): {Reason}")]
    public static partial void HandBackFailed(ILogger logger, string consumer, string reason);
}
