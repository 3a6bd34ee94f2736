using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// The durable append-only log of one topic partition: numbered records in segment files of one
/// directory, each with a CRC-32C. <see cref="Append"/> assigns the next offset and returns without
/// waiting for the disk; one writer thread per log writes appended records in batches and fsyncs them
/// per <see cref="LogOptions.FlushPolicy"/>, so concurrent appenders share one fsync (group commit).
/// Readers see a record once it is durable (once written, under <see cref="FlushPolicy.Never"/>).
/// </summary>
/// <remarks>
/// Thread-safety: every member may be called concurrently from any thread. <see cref="Append"/> blocks
/// only while <see cref="LogOptions.WriteBufferBytes"/> are waiting for the writer. After a write failure
/// the log stops: pending and later appends fail with <see cref="StorageException"/>, reads keep working,
/// and the log must be reopened.
/// </remarks>
internal sealed partial class SegmentedLog : IDisposable, IAsyncDisposable
{
    private readonly object _sync = new();
    private readonly LogOptions _options;
    private readonly ILogger _logger;
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LogSegment[] _segments;
    private long _nextOffset;
    private long _readableEnd;
    private long _durableEnd;
    private long _fsyncCount;
    private bool _closing;
    private volatile bool _disposed;
    private StorageException? _failure;

    private SegmentedLog(string directory, LogOptions options, ILogger logger, LogSegment[] segments, long nextOffset, LogRecoveryReport? report)
    {
        Directory = directory;
        _options = options;
        _logger = logger;
        _segments = segments;
        _appendSegment = _writeSegment = segments[^1];
        _appendBuffer = new LogWriteBuffer(options.WriteBufferBytes);
        _spareBuffer = new LogWriteBuffer(options.WriteBufferBytes);
        _nextOffset = _readableEnd = _durableEnd = _writtenEnd = nextOffset;
        RecoveryReport = report;
        _writer = new Thread(WriterLoop, 256 * 1024) { IsBackground = true, Name = "omnibus-log-writer" };
        _writer.Start();
    }

    /// <summary>Gets the directory holding the segment files.</summary>
    public string Directory { get; }

    /// <summary>Gets what recovery truncated at open, or null when the log was intact.</summary>
    public LogRecoveryReport? RecoveryReport { get; }

    /// <summary>Gets the first offset still stored (retention deletes older ones).</summary>
    public long StartOffset => Volatile.Read(ref _segments)[0].BaseOffset;

    /// <summary>Gets the offset the next appended record will get.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    /// <summary>Gets the offset after the last record readers can see.</summary>
    public long ReadableEndOffset => Volatile.Read(ref _readableEnd);

    /// <summary>Gets the offset after the last durable record: every lower offset survives a crash.</summary>
    public long DurableEndOffset => Volatile.Read(ref _durableEnd);

    /// <summary>Gets the number of segment files.</summary>
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>Bytes of the records readers can see, over every segment (no I/O).</summary>
    public long ReadableBytes => Volatile.Read(ref _segments).Sum(segment => segment.ReadableBytes);

    /// <summary>Gets how many fsyncs this log issued; tests use it to check that group commit batches.</summary>
    internal long FsyncCount => Interlocked.Read(ref _fsyncCount);

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/>. Recovery scans only the last segment,
    /// truncates it at the first torn or corrupt record and reports that in <see cref="RecoveryReport"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static SegmentedLog Open(string directory, LogOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= LogOptions.Default;
        options.Validate();
        logger ??= NullLogger.Instance;
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);

        var baseOffsets = new List<long>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            if (LogSegment.TryParseBaseOffset(Path.GetFileName(file), out var baseOffset))
            {
                baseOffsets.Add(baseOffset);
            }
        }

        baseOffsets.Sort();
        var segments = new List<LogSegment>(Math.Max(1, baseOffsets.Count));
        try
        {
            if (baseOffsets.Count == 0)
            {
                var first = new LogSegment(directory, 0);
                segments.Add(first);
                first.CreateFile();
                DirectorySync.Flush(directory);
                StorageLog.Opened(logger, directory, 1, 0, 0);
                return new SegmentedLog(directory, options, logger, [.. segments], 0, null);
            }

            for (var i = 0; i < baseOffsets.Count - 1; i++)
            {
                // Closed segments were fsynced before the next one was created: trust their length, verify on read.
                var segment = new LogSegment(directory, baseOffsets[i]) { EndOffset = baseOffsets[i + 1] };
                segments.Add(segment);
                segment.Seal(new FileInfo(segment.Path).Length);
            }

            var tail = new LogSegment(directory, baseOffsets[^1]);
            segments.Add(tail);
            tail.OpenForWriting();
            var report = TailRecovery.Recover(tail, options, logger, out var nextOffset);
            var log = new SegmentedLog(directory, options, logger, [.. segments], nextOffset, report);
            StorageLog.Opened(logger, directory, segments.Count, log.StartOffset, nextOffset);
            return log;
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            throw;
        }
    }

    /// <summary>Flushes everything appended, stops the writer and closes the files.</summary>
    public void Dispose()
    {
        if (BeginClose())
        {
            _writer.Join();
            CloseFiles();
        }
    }

    /// <summary>Flushes everything appended, stops the writer and closes the files without blocking a thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (BeginClose())
        {
            await _writerExited.Task.ConfigureAwait(false);
            CloseFiles();
        }
    }

    private bool BeginClose()
    {
        lock (_sync)
        {
            if (_closing)
            {
                return false;
            }

            _closing = true;
            Monitor.PulseAll(_sync);
            return true;
        }
    }

    private void CloseFiles()
    {
        _disposed = true;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            segment.Dispose();
        }
    }

    private void ThrowIfNotWritable()
    {
        if (_failure is { } failure)
        {
            throw StorageException.Stopped(Directory, failure);
        }

        ObjectDisposedException.ThrowIf(_closing, this);
    }
}
