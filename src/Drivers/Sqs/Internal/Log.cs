using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>Log events of the sqs:// driver (its ids: docs/log-events.md). Never a credential: targets are endpoints or regions.</summary>
internal static partial class Log
{
    [LoggerMessage(5501, LogLevel.Information, "Created SQS queue {Queue} for topic {Topic} at {Target}")]
    public static partial void QueueCreated(ILogger logger, string queue, string topic, string target);

    [LoggerMessage(5502, LogLevel.Warning, "Receiving from SQS queue {Queue} at {Target} failed: {Reason}; the subscription reopens it after its reconnect delay")]
    public static partial void ReceiveFailed(ILogger logger, string queue, string target, string reason);

    [LoggerMessage(5503, LogLevel.Information, "Receiving from SQS queue {Queue} for group {Group} at {Target}")]
    public static partial void ConsumerOpened(ILogger logger, string queue, string group, string target);

    [LoggerMessage(5504, LogLevel.Debug, "Extending the visibility of a message of SQS queue {Queue} failed (it is redelivered after its visibility timeout): {Reason}")]
    public static partial void LeaseExtensionFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(5505, LogLevel.Debug, "Handing a message of SQS queue {Queue} back failed (it is redelivered after its visibility timeout): {Reason}")]
    public static partial void HandBackFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(5506, LogLevel.Warning, "SQS queue {Queue} of topic {Topic} is gone at {Target} (deleted, or the endpoint restarted); looking it up again")]
    public static partial void QueueGone(ILogger logger, string queue, string topic, string target);

    [LoggerMessage(5507, LogLevel.Debug, "Backlog of group {Group} on topic {Topic} unavailable: {Reason}")]
    public static partial void BacklogUnavailable(ILogger logger, string topic, string group, string reason);
}
