using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>Every log event of the kafka:// driver, with its id, in one place. Its ids: docs/log-events.md.</summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Kafka consumer of topic {Topic}, group {Group} was assigned partitions {Partitions}")]
    public static partial void Assigned(ILogger logger, string topic, string group, string partitions);

    [LoggerMessage(4002, LogLevel.Information, "Kafka consumer of topic {Topic}, group {Group} gave up partitions {Partitions} (lost: {Lost}); {InFlight} messages were still in flight")]
    public static partial void Revoked(ILogger logger, string topic, string group, string partitions, bool lost, int inFlight);

    [LoggerMessage(4003, LogLevel.Warning, "Committing offsets of topic {Topic}, group {Group} failed; retried at the next interval")]
    public static partial void CommitFailed(ILogger logger, Exception error, string topic, string group);

    [LoggerMessage(4004, LogLevel.Warning, "Kafka consumer of topic {Topic}, group {Group}: {Reason}")]
    public static partial void ConsumeError(ILogger logger, string topic, string group, string reason);

    [LoggerMessage(4005, LogLevel.Warning, "Kafka client error: {Reason} (fatal: {Fatal})")]
    public static partial void ClientError(ILogger logger, string reason, bool fatal);

    [LoggerMessage(4006, LogLevel.Error, "Kafka consumer of topic {Topic}, group {Group} stopped on an unexpected error")]
    public static partial void ConsumerFailed(ILogger logger, Exception error, string topic, string group);
}
