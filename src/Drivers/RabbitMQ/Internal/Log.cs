using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>Log events of the amqp:// driver (its ids: docs/log-events.md).</summary>
internal static partial class Log
{
    [LoggerMessage(5101, LogLevel.Warning, "RabbitMQ connection lost: {Reason}; recovering")]
    public static partial void ConnectionLost(ILogger logger, string reason);

    [LoggerMessage(5102, LogLevel.Information, "RabbitMQ connection recovered")]
    public static partial void ConnectionRecovered(ILogger logger);

    [LoggerMessage(5103, LogLevel.Debug, "Settling delivery {DeliveryTag} of queue {Queue} failed, the broker redelivers it: {Reason}")]
    public static partial void SettleFailed(ILogger logger, ulong deliveryTag, string queue, string reason);

    [LoggerMessage(5104, LogLevel.Warning, "Republishing message {MessageId} of queue {Queue} for redelivery failed; it is requeued at once instead: {Reason}")]
    public static partial void RetryPublishFailed(ILogger logger, string messageId, string queue, string reason);

    [LoggerMessage(5105, LogLevel.Debug, "Backlog of group {Group} on topic {Topic} unavailable: {Reason}")]
    public static partial void BacklogUnavailable(ILogger logger, string topic, string group, string reason);

    [LoggerMessage(5106, LogLevel.Warning, "Consumer channel of queue {Queue} closed by the broker: {Reason}")]
    public static partial void ConsumerChannelClosed(ILogger logger, string queue, string reason);

    [LoggerMessage(5107, LogLevel.Debug, "Checking whether queue {Queue} exists failed: {Reason}")]
    public static partial void QueueCheckFailed(ILogger logger, string queue, string reason);
}
