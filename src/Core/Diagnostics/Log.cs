using Microsoft.Extensions.Logging;

namespace Omnibus.Diagnostics;

/// <summary>Every log event of the core, with its id, in one place. The ids come from the core range of docs/log-events.md.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Subscription started: topic {Topic}, group {Group}, driver {Driver}, concurrency {Concurrency}, max attempts {MaxDeliveryAttempts}, ordering {Ordering}")]
    public static partial void SubscriptionStarted(ILogger logger, string topic, string group, string driver, int concurrency, int maxDeliveryAttempts, MessageOrdering ordering);

    [LoggerMessage(1002, LogLevel.Information, "Subscription closed: topic {Topic}, group {Group}, drained {Drained}")]
    public static partial void SubscriptionClosed(ILogger logger, string topic, string group, bool drained);

    [LoggerMessage(1003, LogLevel.Warning, "Handler failed for message {MessageId} on topic {Topic}, group {Group}, attempt {Attempt} of {MaxAttempts}; redelivery in {Delay}")]
    public static partial void HandlerFailed(ILogger logger, Exception error, string messageId, string topic, string group, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(1004, LogLevel.Error, "Message {MessageId} on topic {Topic}, group {Group} failed {Attempt} times and was dead-lettered to {DeadLetterTopic}")]
    public static partial void DeadLettered(ILogger logger, Exception error, string messageId, string topic, string group, int attempt, string deadLetterTopic);

    [LoggerMessage(1005, LogLevel.Error, "Dead-lettering message {MessageId} from topic {Topic} to {DeadLetterTopic} failed; it stays unacknowledged and will be redelivered")]
    public static partial void DeadLetterFailed(ILogger logger, Exception error, string messageId, string topic, string deadLetterTopic);

    [LoggerMessage(1006, LogLevel.Warning, "Settling message {MessageId} on topic {Topic} failed; the broker will redeliver it")]
    public static partial void SettleFailed(ILogger logger, Exception error, string messageId, string topic);

    [LoggerMessage(1007, LogLevel.Warning, "Subscription to topic {Topic}, group {Group} did not drain within {DrainTimeout}; abandoned handlers' messages are left to redelivery")]
    public static partial void DrainTimedOut(ILogger logger, string topic, string group, TimeSpan drainTimeout);

    [LoggerMessage(1008, LogLevel.Error, "Subscription to topic {Topic}, group {Group} stopped: its delivery source failed")]
    public static partial void SourceFailed(ILogger logger, Exception error, string topic, string group);

    [LoggerMessage(1009, LogLevel.Debug, "Duplicate message {MessageId} on topic {Topic}, group {Group} skipped by the idempotent consumer")]
    public static partial void DuplicateSkipped(ILogger logger, string messageId, string topic, string group);

    [LoggerMessage(1010, LogLevel.Information, "Broker {Name} connected through {ConnectionString}")]
    public static partial void BrokerCreated(ILogger logger, string name, string connectionString);

    [LoggerMessage(1011, LogLevel.Warning, "Consumer of topic {Topic}, group {Group} on {Driver}:// was lost; resubscribing with backoff")]
    public static partial void ConsumerLost(ILogger logger, Exception error, string topic, string group, string driver);

    [LoggerMessage(1012, LogLevel.Information, "Resubscribed to topic {Topic}, group {Group} on {Driver}:// after {Attempts} attempt(s)")]
    public static partial void Resubscribed(ILogger logger, string topic, string group, string driver, int attempts);

    [LoggerMessage(1013, LogLevel.Warning, "Resubscribing to topic {Topic}, group {Group} on {Driver}:// failed (attempt {Attempt}): {Reason}; next try in {Delay}")]
    public static partial void ResubscribeFailed(ILogger logger, string topic, string group, string driver, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(1014, LogLevel.Warning, "Closing the lost consumer of topic {Topic}, group {Group} failed")]
    public static partial void ConsumerCloseFailed(ILogger logger, Exception error, string topic, string group);

    [LoggerMessage(1015, LogLevel.Warning, "The attempt of message {MessageId} on topic {Topic} could not be recorded before its handler; it is not run now and comes back after the backoff")]
    public static partial void StartNotRecorded(ILogger logger, Exception exception, string messageId, string topic);
}
