using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>Log events of the redis:// driver (its ids, 5300-5399: docs/log-events.md).</summary>
internal static partial class Log
{
    [LoggerMessage(5301, LogLevel.Warning, "Redis connection to {Endpoint} lost ({FailureType}): {Reason}; consumers end and the core resubscribes, publishes fail until it is back")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string failureType, string reason);

    [LoggerMessage(5302, LogLevel.Information, "Redis connection to {Endpoint} restored")]
    public static partial void ConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(5303, LogLevel.Debug, "{Operation} of entry {EntryId} of stream {Stream} failed; the entry stays pending and is claimed again: {Reason}")]
    public static partial void SettleFailed(ILogger logger, string operation, string entryId, string stream, string reason);

    [LoggerMessage(5304, LogLevel.Warning, "Consumer {Consumer} of group {Group} on stream {Stream} lost its connection: {Reason}")]
    public static partial void ConsumerLost(ILogger logger, string consumer, string group, string stream, string reason);

    [LoggerMessage(5305, LogLevel.Information, "Consumer {Consumer} claimed {Count} entries of group {Group} on stream {Stream} (released, or idle beyond claimIdle)")]
    public static partial void EntriesClaimed(ILogger logger, string consumer, int count, string group, string stream);

    [LoggerMessage(5306, LogLevel.Information, "Removed {Count} expired consumers (idle, nothing pending) from group {Group} on stream {Stream}")]
    public static partial void ConsumersRemoved(ILogger logger, int count, string group, string stream);

    [LoggerMessage(5307, LogLevel.Debug, "Backlog of group {Group} on stream {Stream} unavailable: {Reason}")]
    public static partial void BacklogUnavailable(ILogger logger, string stream, string group, string reason);

    [LoggerMessage(5308, LogLevel.Error, "Entry {EntryId} ({MessageId}) of stream {Stream} was delivered {Deliveries} times to group {Group} without being settled (its consumers died); dead-lettered to {DeadLetterTopic}")]
    public static partial void DeadLetteredUnsettled(ILogger logger, string entryId, string messageId, string stream, int deliveries, string group, string deadLetterTopic);

    [LoggerMessage(5309, LogLevel.Warning, "Consumer {Consumer} of group {Group} on stream {Stream}: {Operation} failed, retried at the next round: {Reason}")]
    public static partial void MaintenanceFailed(ILogger logger, string consumer, string group, string stream, string operation, string reason);
}
