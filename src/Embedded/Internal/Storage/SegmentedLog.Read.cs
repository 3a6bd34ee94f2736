namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Reading records by offset.</summary>
internal sealed partial class SegmentedLog
{
    private const int MinReadSize = 16 * 1024;
    private const int MaxReadSize = 1024 * 1024;

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> records and about <paramref name="maxBytes"/> bytes from
    /// <paramref name="fromOffset"/> on, from one segment; at least one record when one is readable even
    /// if it is larger than <paramref name="maxBytes"/>. Returns an empty list at the readable end. Every
    /// record's checksum is verified.
    /// </summary>
    /// <exception cref="StorageException">
    /// <see cref="StorageErrorKind.Corruption"/>: the record at <paramref name="fromOffset"/> is damaged;
    /// <see cref="StorageException.NextValidOffset"/> says where reading can resume. Records before the
    /// damage are returned by the read that reaches it; the next read throws.
    /// <see cref="StorageErrorKind.OffsetOutOfRange"/>: retention deleted <paramref name="fromOffset"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromOffset"/> is beyond <see cref="NextOffset"/> or a limit is below 1.</exception>
    public IReadOnlyList<LogRecord> Read(long fromOffset, int maxRecords = 1000, int maxBytes = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);

        // The end before the segments: the writer publishes segments before the offsets that need them.
        var readableEnd = ReadableEndOffset;
        var segments = Volatile.Read(ref _segments);
        if (fromOffset < segments[0].BaseOffset)
        {
            throw StorageException.OffsetOutOfRange(Directory, fromOffset, segments[0].BaseOffset);
        }

        if (fromOffset >= readableEnd)
        {
            return fromOffset <= NextOffset
                ? []
                : throw new ArgumentOutOfRangeException(nameof(fromOffset), fromOffset,
                    $"Offset {fromOffset} is beyond the end of the log in '{Directory}'; the next offset is {NextOffset}.");
        }

        var segment = segments[FindSegment(segments, fromOffset)];
        if (!segment.TryAcquire())
        {
            throw StorageException.OffsetOutOfRange(Directory, fromOffset, StartOffset);
        }

        try
        {
            segment.EnsureIndexed(_options.IndexIntervalBytes, _logger);
            return ReadSegment(segment, fromOffset, Math.Min(segment.EndOffset, readableEnd), maxRecords, maxBytes);
        }
        finally
        {
            segment.Release();
        }
    }

    private static int FindSegment(LogSegment[] segments, long offset)
    {
        int low = 0, high = segments.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (segments[middle].BaseOffset <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private List<LogRecord> ReadSegment(LogSegment segment, long fromOffset, long endOffset, int maxRecords, int maxBytes)
    {
        var limit = segment.ReadableBytes;
        if (!segment.Index.TryFindFloor(fromOffset, out var expected, out var start))
        {
            (expected, start) = (segment.BaseOffset, 0);
        }

        var readSize = (int)Math.Clamp((long)maxBytes + _options.IndexIntervalBytes, MinReadSize, MaxReadSize);
        using var cursor = new SegmentRecordCursor(segment.GetReadHandle(), start, limit, readSize);
        var records = new List<LogRecord>(Math.Min(maxRecords, 256));
        var bytes = 0L;
        var skippedTo = -1L;
        while (records.Count < maxRecords)
        {
            if (cursor.Position != skippedTo && segment.TryFindDamage(cursor.Position, out var known))
            {
                if (fromOffset < known.NextValidOffset)
                {
                    return records.Count > 0
                        ? records
                        : throw StorageException.Corruption(segment.Path, known.Position, known.FirstOffset, known.NextValidOffset, known.Reason);
                }

                cursor.Seek(skippedTo = known.NextValidPosition);
                expected = known.NextValidOffset;
                continue;
            }

            var read = cursor.TryReadNext(out var damage);
            if (read && cursor.RecordOffset == expected)
            {
                if (expected >= endOffset)
                {
                    break;
                }

                expected++;
                if (cursor.RecordOffset < fromOffset)
                {
                    continue;
                }

                if (records.Count > 0 && bytes + cursor.RecordLength > maxBytes)
                {
                    break;
                }

                if (RecordFormat.TryDecode(cursor.Record, out var record))
                {
                    records.Add(record!);
                    bytes += cursor.RecordLength;
                    continue;
                }

                (read, damage, expected) = (false, LogCorruptionReason.Malformed, expected - 1);
            }

            if (LogSegment.DescribeDamage(cursor, read, damage, expected, endOffset, limit) is not { } range)
            {
                break;
            }

            segment.AddDamage(range, _logger);
            cursor.Seek(range.Position);
        }

        return records;
    }
}
