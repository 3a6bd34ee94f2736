namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Retention: deleting whole old segments.</summary>
internal sealed partial class SegmentedLog
{
    private readonly object _retentionGate = new();

    /// <summary>
    /// Deletes whole closed segments, oldest first, while the log is larger than
    /// <see cref="LogOptions.RetentionBytes"/> or the segment's last write is older than
    /// <see cref="LogOptions.RetentionAge"/> at <paramref name="now"/>. The segment receiving appends is
    /// never deleted, and deletion stops at the first segment that is kept, so the log stays contiguous.
    /// Reads in progress on a deleted segment finish first. Returns the number of segments deleted.
    /// </summary>
    public int ApplyRetention(DateTimeOffset now)
    {
        if (_options.RetentionBytes is null && _options.RetentionAge is null)
        {
            return 0;
        }

        lock (_retentionGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var segments = Volatile.Read(ref _segments);
            var total = 0L;
            foreach (var segment in segments)
            {
                total += segment.IsSealed ? segment.ReadableBytes : segment.AppendedBytes;
            }

            var doomed = new List<(LogSegment Segment, string Cause)>();
            for (var i = 0; i < segments.Length - 1 && segments[i].IsSealed; i++)
            {
                var segment = segments[i];
                var cause = total > _options.RetentionBytes ? "size"
                    : now - File.GetLastWriteTimeUtc(segment.Path) > _options.RetentionAge ? "age"
                    : null;
                if (cause is null)
                {
                    break;
                }

                doomed.Add((segment, cause));
                total -= segment.ReadableBytes;
            }

            if (doomed.Count == 0)
            {
                return 0;
            }

            lock (_sync)
            {
                // Appends only add segments at the end, so the doomed ones are still the first ones.
                Volatile.Write(ref _segments, _segments[doomed.Count..]);
            }

            foreach (var (segment, cause) in doomed)
            {
                segment.Delete();
                StorageLog.SegmentDeleted(_logger, segment.Path, segment.BaseOffset, segment.EndOffset, segment.ReadableBytes, cause);
            }

            return doomed.Count;
        }
    }
}
