using Microsoft.Extensions.Logging;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Every log event of the storage layer, with its event id, in one place (ids 2100-2199 of the embedded range, docs/log-events.md).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug,
        Message = "Opened log {Directory}: {SegmentCount} segments, offsets {StartOffset} to {NextOffset}")]
    public static partial void Opened(ILogger logger, string directory, int segmentCount, long startOffset, long nextOffset);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning,
        Message = "Recovery truncated segment {Segment} at byte {Position} (offset {Offset}, {Reason}): {BytesTruncated} bytes of a torn write removed")]
    public static partial void TornTailTruncated(ILogger logger, string segment, long position, long offset, LogCorruptionReason reason, long bytesTruncated);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error,
        Message = "Recovery truncated segment {Segment} at byte {Position} (offset {Offset}, {Reason}): {BytesTruncated} bytes holding {DiscardedRecords} intact-looking records were cut off; a copy is in {QuarantinePath}")]
    public static partial void CorruptTailTruncated(ILogger logger, string segment, long position, long offset, LogCorruptionReason reason, long bytesTruncated, int discardedRecords, string? quarantinePath);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error,
        Message = "Could not keep a copy of the damaged bytes of segment {Segment} in {QuarantinePath}")]
    public static partial void QuarantineFailed(ILogger logger, Exception exception, string segment, string quarantinePath);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Error,
        Message = "Segment {Segment} is damaged at byte {Position} ({Reason}): offsets {FirstOffset} to {NextValidOffset} (exclusive) cannot be read")]
    public static partial void DamageFound(ILogger logger, string segment, long position, LogCorruptionReason reason, long firstOffset, long nextValidOffset);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Error,
        Message = "Writing log {Directory} failed at offset {Offset}; the log stopped accepting writes")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string directory, long offset);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Critical,
        Message = "Could not truncate segment {Segment} back to {Length} bytes after a write failure; unacknowledged records may reappear on reopen")]
    public static partial void RollbackFailed(ILogger logger, Exception exception, string segment, long length);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Debug,
        Message = "Rolled log {Directory} to a new segment at offset {BaseOffset}")]
    public static partial void SegmentRolled(ILogger logger, string directory, long baseOffset);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Information,
        Message = "Retention deleted segment {Segment} (offsets {BaseOffset} to {EndOffset}, {Bytes} bytes, {Cause})")]
    public static partial void SegmentDeleted(ILogger logger, string segment, long baseOffset, long endOffset, long bytes, string cause);
}
