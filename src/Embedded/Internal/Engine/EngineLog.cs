using Microsoft.Extensions.Logging;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>Log events of the embedded engine, ids 2200-2299 of the embedded range (docs/log-events.md; storage uses 2100-2199).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(2201, LogLevel.Information, "Embedded broker opened at {DataDirectory}: {TopicCount} topics, qos default {Qos}, flush {Flush}")]
    public static partial void Opened(ILogger logger, string dataDirectory, int topicCount, int qos, string flush);

    [LoggerMessage(2202, LogLevel.Information, "Embedded broker at {DataDirectory} closed")]
    public static partial void Closed(ILogger logger, string dataDirectory);

    [LoggerMessage(2203, LogLevel.Warning, "{Count} deliveries of topic {Topic}, group {Group} passed their visibility timeout unacknowledged and will be redelivered")]
    public static partial void VisibilityExpired(ILogger logger, string topic, string group, int count);

    [LoggerMessage(2204, LogLevel.Warning, "Retention deleted records that group {Group} of topic {Topic} had not consumed: partition {Partition}, offsets {From} to {To} were skipped")]
    public static partial void RetentionSkipped(ILogger logger, string topic, string group, int partition, long from, long to);

    [LoggerMessage(2205, LogLevel.Error, "Damaged records in topic {Topic}, partition {Partition}, offsets {From} to {NextValid} cannot be delivered to group {Group} and were skipped")]
    public static partial void DamagedRecordsSkipped(ILogger logger, Exception error, string topic, string group, int partition, long from, long nextValid);

    [LoggerMessage(2206, LogLevel.Error, "Embedded broker maintenance failed at {DataDirectory}")]
    public static partial void MaintenanceFailed(ILogger logger, Exception error, string dataDirectory);

    [LoggerMessage(2207, LogLevel.Critical, "Embedded broker at {DataDirectory} stopped: its journal flusher failed; publishes, acknowledgements and reads fail until every connection closes and it is reopened")]
    public static partial void Stopped(ILogger logger, Exception error, string dataDirectory);
}
