using Microsoft.Extensions.Logging;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Recovery of the tail (active) segment at open: validates every record's length, checksum and offset,
/// and truncates the file at the first bad record. Only the tail is scanned; earlier segments were
/// flushed when they were closed and are verified lazily when read. Not thread-safe: runs before the
/// log is shared.
/// </summary>
internal static class TailRecovery
{
    private const int ScanReadSize = 1024 * 1024;

    /// <summary>
    /// Recovers <paramref name="tail"/>, whose stream must be open for writing, builds its index and returns
    /// what was truncated, or null when the segment was intact.
    /// </summary>
    public static LogRecoveryReport? Recover(LogSegment tail, LogOptions options, ILogger logger, out long nextOffset)
    {
        var stream = tail.WriteStream;
        var length = stream.Length;
        using var cursor = new SegmentRecordCursor(stream.SafeFileHandle, 0, length, ScanReadSize);
        var expected = tail.BaseOffset;
        var lastIndexed = -1L;
        LogCorruptionReason reason;
        while (true)
        {
            if (!cursor.TryReadNext(out reason))
            {
                break;
            }

            if (cursor.RecordOffset != expected)
            {
                reason = LogCorruptionReason.OffsetMismatch;
                break;
            }

            if (lastIndexed < 0 || cursor.RecordPosition - lastIndexed >= options.IndexIntervalBytes)
            {
                tail.Index.Add(expected, lastIndexed = cursor.RecordPosition);
            }

            expected++;
        }

        var validEnd = cursor.RecordPosition;
        tail.AppendedBytes = tail.WrittenBytes = tail.ReadableBytes = validEnd;
        tail.LastIndexedPosition = lastIndexed;
        tail.MarkIndexed();
        nextOffset = expected;
        if (reason == LogCorruptionReason.None)
        {
            return null;
        }

        var discarded = CountIntactRecordsAfter(cursor, validEnd, expected);
        string? quarantinePath = null;
        if (discarded > 0)
        {
            quarantinePath = Quarantine(tail, validEnd, length, logger);
        }

        stream.SetLength(validEnd);
        stream.Flush(flushToDisk: true);
        var report = new LogRecoveryReport
        {
            SegmentPath = tail.Path,
            FilePosition = validEnd,
            Offset = expected,
            Reason = reason,
            BytesTruncated = length - validEnd,
            DiscardedValidRecords = discarded,
            QuarantinePath = quarantinePath,
        };
        if (discarded == 0)
        {
            StorageLog.TornTailTruncated(logger, report.SegmentPath, validEnd, expected, reason, report.BytesTruncated);
        }
        else
        {
            StorageLog.CorruptTailTruncated(logger, report.SegmentPath, validEnd, expected, reason, report.BytesTruncated, discarded, quarantinePath);
        }

        return report;
    }

    // Intact records after the damage mean acknowledged data is being cut off, not just a torn write.
    private static int CountIntactRecordsAfter(SegmentRecordCursor cursor, long damagedPosition, long expectedOffset)
    {
        var count = 0;
        var position = damagedPosition;
        var minOffset = expectedOffset;
        while (cursor.TryResync(position, minOffset, out _, out _))
        {
            while (cursor.TryReadNext(out _))
            {
                count++;
                minOffset = cursor.RecordOffset + 1;
            }

            position = cursor.RecordPosition;
        }

        return count;
    }

    private static string? Quarantine(LogSegment tail, long from, long to, ILogger logger)
    {
        var path = $"{tail.Path}.{from}.quarantine";
        try
        {
            var bytes = new byte[to - from];
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(tail.WriteStream.SafeFileHandle, bytes.AsSpan(read), from + read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            using var copy = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.None);
            copy.Write(bytes, 0, read);
            copy.Flush(flushToDisk: true);
            return path;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            StorageLog.QuarantineFailed(logger, exception, tail.Path, path);
            return null;
        }
    }
}
