using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// One segment file of a <see cref="SegmentedLog"/>: records from <see cref="BaseOffset"/> on, named by
/// that offset (20 digits, zero-padded) plus <c>.log</c>. Owns the file handle, the sparse index and the
/// list of damaged ranges found in the file. Thread-safety: the file handle, index and damage list are
/// safe for concurrent readers; the fields documented as writer-owned belong to the log's appender or
/// flusher.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    private const string Extension = ".log";
    private const int ScanReadSize = 1024 * 1024;

    private readonly object _gate = new();
    private readonly List<DamagedRange> _damage = [];
    private FileStream? _stream;
    private bool _indexed;
    private int _readers;
    private bool _deleted;
    private long _readableBytes;
    private long _endOffset = long.MaxValue;
    private int _sealed;

    /// <summary>Describes the segment of <paramref name="directory"/> starting at <paramref name="baseOffset"/>; no file is touched.</summary>
    public LogSegment(string directory, long baseOffset)
    {
        BaseOffset = baseOffset;
        Path = System.IO.Path.Combine(directory, FileName(baseOffset));
    }

    /// <summary>Gets the offset of the first record of this segment.</summary>
    public long BaseOffset { get; }

    /// <summary>Gets the segment file's path.</summary>
    public string Path { get; }

    /// <summary>Gets the sparse offset index (complete once <see cref="EnsureIndexed"/> ran).</summary>
    public SparseOffsetIndex Index { get; private set; } = new();

    /// <summary>Writer-owned (appender, under the log lock): bytes of records assigned to this segment.</summary>
    public long AppendedBytes { get; set; }

    /// <summary>Writer-owned (appender): position of the last index entry, or -1.</summary>
    public long LastIndexedPosition { get; set; } = -1;

    /// <summary>Writer-owned (flusher): bytes written to the file by completed batches.</summary>
    public long WrittenBytes { get; set; }

    /// <summary>Gets or sets how many bytes readers may read (published by the flusher).</summary>
    public long ReadableBytes
    {
        get => Volatile.Read(ref _readableBytes);
        set => Volatile.Write(ref _readableBytes, value);
    }

    /// <summary>Gets or sets the offset after the last record: the next segment's base, or <see cref="long.MaxValue"/> while active.</summary>
    public long EndOffset
    {
        get => Volatile.Read(ref _endOffset);
        set => Volatile.Write(ref _endOffset, value);
    }

    /// <summary>Gets whether the segment is complete and flushed to disk; only sealed segments are deleted by retention.</summary>
    public bool IsSealed => Volatile.Read(ref _sealed) != 0;

    /// <summary>Gets the writable stream of a segment being written; throws if it has none.</summary>
    public FileStream WriteStream => _stream is { CanWrite: true } stream
        ? stream
        : throw new InvalidOperationException($"Segment '{Path}' is not open for writing.");

    /// <summary>Returns the file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string FileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>Parses a segment file name; false for any other file.</summary>
    public static bool TryParseBaseOffset(string fileName, out long baseOffset)
    {
        baseOffset = 0;
        return fileName.Length == 20 + Extension.Length && fileName.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    /// <summary>Marks the segment complete and flushed; its readable size becomes its file size.</summary>
    public void Seal(long length)
    {
        ReadableBytes = length;
        Volatile.Write(ref _sealed, 1);
    }

    /// <summary>Creates the file (it must not exist) and keeps it open for writing.</summary>
    public void CreateFile()
    {
        lock (_gate)
        {
            _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 0, FileOptions.None);
            _indexed = true;
        }
    }

    /// <summary>Opens the existing file for writing (the tail segment at open).</summary>
    public void OpenForWriting()
    {
        lock (_gate)
        {
            _stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 0, FileOptions.None);
        }
    }

    /// <summary>Marks the index as complete because the owner built it (recovery or appends).</summary>
    public void MarkIndexed()
    {
        lock (_gate)
        {
            _indexed = true;
        }
    }

    /// <summary>Takes a reader reference; false once retention deleted the segment.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_deleted)
            {
                return false;
            }

            _readers++;
            return true;
        }
    }

    /// <summary>Returns a reference taken by <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (--_readers == 0 && _deleted)
            {
                CloseStream();
            }
        }
    }

    /// <summary>Gets the handle readers use, opening a read-only stream on first use. Call between acquire and release.</summary>
    public SafeFileHandle GetReadHandle()
    {
        lock (_gate)
        {
            _stream ??= new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0, FileOptions.None);
            return _stream.SafeFileHandle;
        }
    }

    /// <summary>
    /// Builds the sparse index of a sealed segment on first use by scanning the whole file and verifying
    /// every checksum; damage is recorded as ranges that reads report and can skip. Call between acquire
    /// and release.
    /// </summary>
    public void EnsureIndexed(int indexIntervalBytes, ILogger logger)
    {
        lock (_gate)
        {
            if (_indexed)
            {
                return;
            }

            var index = new SparseOffsetIndex();
            var end = ReadableBytes;
            using var cursor = new SegmentRecordCursor(GetReadHandle(), 0, end, ScanReadSize);
            var expected = BaseOffset;
            var lastIndexed = -1L;
            while (true)
            {
                var ok = cursor.TryReadNext(out var damage);
                if (ok && cursor.RecordOffset == expected)
                {
                    if (lastIndexed < 0 || cursor.RecordPosition - lastIndexed >= indexIntervalBytes)
                    {
                        index.Add(expected, lastIndexed = cursor.RecordPosition);
                    }

                    expected++;
                    continue;
                }

                if (DescribeDamage(cursor, ok, damage, expected, EndOffset, end) is not { } range)
                {
                    break;
                }

                AddDamage(range, logger);
                if (range.NextValidPosition >= end)
                {
                    break;
                }

                index.Add(range.NextValidOffset, lastIndexed = range.NextValidPosition);
                cursor.Seek(range.NextValidPosition);
                expected = range.NextValidOffset;
            }

            Index = index;
            _indexed = true;
        }
    }

    /// <summary>
    /// Describes what <paramref name="cursor"/> ran into instead of the record with
    /// <paramref name="expectedOffset"/>, or null at a clean end. An intact record with a higher offset
    /// marks a gap; anything else is skipped by resynchronising on the next intact record.
    /// </summary>
    public static DamagedRange? DescribeDamage(
        SegmentRecordCursor cursor, bool readRecord, LogCorruptionReason damage, long expectedOffset, long endOffset, long endPosition)
    {
        var position = cursor.RecordPosition;
        if (readRecord && cursor.RecordOffset > expectedOffset)
        {
            return new DamagedRange(position, expectedOffset, position, cursor.RecordOffset, LogCorruptionReason.OffsetMismatch);
        }

        if (!readRecord && damage == LogCorruptionReason.None)
        {
            return expectedOffset >= endOffset || endOffset == long.MaxValue
                ? null
                : new DamagedRange(position, expectedOffset, endPosition, endOffset, LogCorruptionReason.MissingRecords);
        }

        var reason = readRecord ? LogCorruptionReason.OffsetMismatch : damage;
        return cursor.TryResync(position, expectedOffset, out var nextPosition, out var nextOffset)
            ? new DamagedRange(position, expectedOffset, nextPosition, nextOffset, reason)
            : new DamagedRange(position, expectedOffset, endPosition, endOffset, reason);
    }

    /// <summary>Remembers a damaged range (once) and logs it.</summary>
    public void AddDamage(DamagedRange range, ILogger logger)
    {
        lock (_gate)
        {
            if (_damage.Exists(known => known.Position == range.Position))
            {
                return;
            }

            _damage.Add(range);
        }

        StorageLog.DamageFound(logger, Path, range.Position, range.Reason, range.FirstOffset, range.NextValidOffset);
    }

    /// <summary>Finds a known damaged range that starts at byte <paramref name="position"/>.</summary>
    public bool TryFindDamage(long position, out DamagedRange range)
    {
        lock (_gate)
        {
            var index = _damage.FindIndex(known => known.Position == position);
            range = index < 0 ? default : _damage[index];
            return index >= 0;
        }
    }

    /// <summary>Marks the segment deleted (readers in progress finish first) and deletes its file.</summary>
    public void Delete()
    {
        lock (_gate)
        {
            _deleted = true;
            if (_readers == 0)
            {
                CloseStream();
            }
        }

        File.Delete(Path);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            CloseStream();
        }
    }

    private void CloseStream()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
