using Microsoft.Extensions.Logging;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Every log event of the WebJobs extension (Omnibus.Triggers and Omnibus.Bindings), with its id, in one place.
/// The ids come from the Omnibus.Triggers range of docs/log-events.md, which lists every event.
/// </summary>
internal static partial class Log
{
    public const string Category = "Omnibus.Functions";

    [LoggerMessage(2001, LogLevel.Information, "Function {Function} listening to topic {Topic} as group {Group} through {Connection}: concurrency {Concurrency}, max attempts {MaxDeliveryAttempts}, dead-letter topic {DeadLetterTopic}, batched {IsBatched}")]
    public static partial void ListenerStarted(ILogger logger, string function, string topic, string group, string connection, int concurrency, int maxDeliveryAttempts, string deadLetterTopic, bool isBatched);

    [LoggerMessage(2002, LogLevel.Warning, "Function {Function} could not subscribe to topic {Topic} through {Connection} (attempt {Attempt}); retrying in {Delay}. The function stays enabled")]
    public static partial void SubscribeFailed(ILogger logger, Exception error, string function, string topic, string connection, int attempt, TimeSpan delay);

    [LoggerMessage(2003, LogLevel.Information, "Function {Function} subscribed to topic {Topic} after {Attempts} attempts")]
    public static partial void SubscribeRecovered(ILogger logger, string function, string topic, int attempts);

    [LoggerMessage(2004, LogLevel.Error, "Function {Function} lost its subscription to topic {Topic}; resubscribing in {Delay}")]
    public static partial void SubscriptionLost(ILogger logger, Exception error, string function, string topic, TimeSpan delay);

    [LoggerMessage(2005, LogLevel.Information, "Function {Function} stopped listening to topic {Topic}")]
    public static partial void ListenerStopped(ILogger logger, string function, string topic);

    [LoggerMessage(2006, LogLevel.Debug, "Batch of {Count} messages on topic {Topic} for function {Function} had no entry that could be decoded; all were dead-lettered")]
    public static partial void BatchAllUndecodable(ILogger logger, string function, string topic, int count);

    [LoggerMessage(2007, LogLevel.Debug, "Backlog of topic {Topic}, group {Group} could not be read; reported as unknown")]
    public static partial void BacklogUnavailable(ILogger logger, Exception error, string topic, string group);

    [LoggerMessage(2008, LogLevel.Information, "Omnibus extension started: default connection {DefaultConnection}, max concurrency {MaxConcurrency}, max delivery attempts {MaxDeliveryAttempts}, backoff {BackoffInitial} to {BackoffMax}, dead-letter topic {DeadLetterTopic}, drain timeout {DrainTimeout}")]
    public static partial void ExtensionStarted(ILogger logger, string defaultConnection, int maxConcurrency, int maxDeliveryAttempts, TimeSpan backoffInitial, TimeSpan backoffMax, string deadLetterTopic, TimeSpan drainTimeout);

    [LoggerMessage(2009, LogLevel.Warning, "No {Setting} app setting: triggers use the default broker {Connection}, with its data under {Directory} unless the connection string names a directory")]
    public static partial void DefaultConnectionUsed(ILogger logger, string connection, string setting, string directory);
}
