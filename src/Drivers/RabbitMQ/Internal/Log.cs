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

    [LoggerMessage(5105, LogLevel.Debug, "Counting the messages of queue {Queue} failed: {Reason}")]
    public static partial void BacklogUnavailable(ILogger logger, string queue, string reason);

    [LoggerMessage(5106, LogLevel.Warning, "Consumer of RabbitMQ queue {Queue} lost: {Reason}; the subscription opens a new one")]
    public static partial void ConsumerLost(ILogger logger, string queue, string reason);
}
