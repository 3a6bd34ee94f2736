using System.Diagnostics;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>The writer thread: takes batches of appended records, writes them and fsyncs them.</summary>
internal sealed partial class SegmentedLog
{
    /// <summary>Under <see cref="FlushPolicy.Interval"/>, how long appends must pause, while someone waits for durability, before the writer flushes early.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(1);

    private LogSegment _writeSegment;
    private long _writtenEnd;
    private bool _dirty;
    private long _rollbackLength;
    private bool _rollbackDeletes;

    private void WriterLoop()
    {
        try
        {
            while (TakeBatch(out var batch, out var sync))
            {
                try
                {
                    WriteBatch(batch, sync);
                }
                catch (Exception exception)
                {
                    // Any failure (ENOSPC, EIO, a bug) stops the log; acknowledging past it could lose data.
                    Fail(batch, exception);
                    return;
                }

                CompleteBatch(batch, sync);
            }
        }
        finally
        {
            _writerExited.TrySetResult();
        }
    }

    private bool TakeBatch(out LogWriteBuffer batch, out bool sync)
    {
        lock (_sync)
        {
            var quietCount = -1;
            var quietSince = 0L;
            while (true)
            {
                var hasData = _appendBuffer.Count > 0;
                if (_commitRequested || (_closing && (hasData || _dirty)))
                {
                    break;
                }

                if (_closing)
                {
                    batch = null!;
                    sync = false;
                    return false;
                }

                if (!hasData)
                {
                    Monitor.Wait(_sync);
                    continue;
                }

                if (_options.FlushPolicy == FlushPolicy.EveryWrite || _writeSoon || _appendBuffer.Length >= _appendBuffer.LimitBytes / 2)
                {
                    break;
                }

                var remaining = _options.FlushInterval - Stopwatch.GetElapsedTime(_firstPendingTimestamp);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                // Someone waits for these records and no append came for a while: waiting out the interval cannot
                // batch more, it only delays the waiters (a publisher keeping N publishes outstanding would get at
                // most N per interval). The interval stays the upper bound; appenders that keep coming still batch.
                if (_appendBatchDurable is not null && _options.FlushPolicy == FlushPolicy.Interval)
                {
                    if (_appendBuffer.Count != quietCount)
                    {
                        (quietCount, quietSince) = (_appendBuffer.Count, Stopwatch.GetTimestamp());
                    }
                    else if (Stopwatch.GetElapsedTime(quietSince) >= QuietPeriod)
                    {
                        break;
                    }

                    Monitor.Wait(_sync, (int)Math.Ceiling(Math.Min(QuietPeriod.TotalMilliseconds, remaining.TotalMilliseconds)));
                    continue;
                }

                Monitor.Wait(_sync, Math.Max(1, (int)Math.Ceiling(remaining.TotalMilliseconds)));
            }

            batch = _appendBuffer;
            _appendBuffer = _spareBuffer!;
            _spareBuffer = null;
            sync = _options.FlushPolicy != FlushPolicy.Never || _commitRequested || _closing;
            _commitRequested = false;
            _writeSoon = false;
            _writingBatchDurable = _appendBatchDurable;
            _appendBatchDurable = null;
            _writingLastOffset = batch.Count > 0 ? batch.LastOffset : -1;
            _writingSyncs = sync;
            Monitor.PulseAll(_sync);
            return true;
        }
    }

    private void WriteBatch(LogWriteBuffer batch, bool sync)
    {
        _rollbackLength = _writeSegment.WrittenBytes;
        _rollbackDeletes = false;
        if (batch.StartsSegment is { } next)
        {
            // A closed segment is durable before the next one exists, so recovery only scans the tail.
            if (_dirty)
            {
                FlushToDisk();
            }

            _writeSegment.Seal(_writeSegment.WrittenBytes);
            next.CreateFile();
            _writeSegment = next;
            (_rollbackLength, _rollbackDeletes) = (0, true);
            DirectorySync.Flush(Directory);
            StorageLog.SegmentRolled(_logger, Directory, next.BaseOffset);
        }

        WriteToSegment(batch.Filled);
        if (sync && _dirty)
        {
            FlushToDisk();
        }
    }

    private void WriteToSegment(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        RandomAccess.Write(_writeSegment.WriteStream.SafeFileHandle, bytes.Span, _writeSegment.WrittenBytes);
        _writeSegment.WrittenBytes += bytes.Length;
        _dirty = true;
    }

    private void FlushToDisk()
    {
        // FileStream.Flush(true) is fsync on Unix and FlushFileBuffers on Windows.
        _writeSegment.WriteStream.Flush(flushToDisk: true);
        Interlocked.Increment(ref _fsyncCount);
        _dirty = false;
    }

    private void CompleteBatch(LogWriteBuffer batch, bool sync)
    {
        if (batch.Count > 0)
        {
            _writtenEnd = batch.LastOffset + 1;
        }

        // Bytes before offsets, so a reader that sees the new end also sees the bytes.
        _writeSegment.ReadableBytes = _writeSegment.WrittenBytes;
        Volatile.Write(ref _readableEnd, _writtenEnd);
        TaskCompletionSource? durable;
        lock (_sync)
        {
            if (sync)
            {
                Volatile.Write(ref _durableEnd, _writtenEnd);
            }

            durable = _writingBatchDurable;
            _writingBatchDurable = null;
            _writingLastOffset = -1;
            batch.Clear();
            _spareBuffer = batch;
        }

        durable?.TrySetResult();
    }

    private void Fail(LogWriteBuffer batch, Exception exception)
    {
        var firstLost = batch.Count > 0 ? batch.FirstOffset : _writtenEnd;
        var segment = _writeSegment;
        var rolledBack = TryRollBack();
        var failure = StorageException.WriteFailure(segment.Path, firstLost, rolledBack, exception);
        StorageLog.WriteFailed(_logger, exception, Directory, firstLost);
        TaskCompletionSource? writing, pending;
        lock (_sync)
        {
            _failure = failure;
            writing = _writingBatchDurable;
            pending = _appendBatchDurable;
            _writingBatchDurable = _appendBatchDurable = null;
            Monitor.PulseAll(_sync);
        }

        // Records appended before the failure share its cause (e.g. DiskFull); only later appends get LogStopped.
        writing?.TrySetException(failure);
        pending?.TrySetException(failure);
    }

    // Cut the failed batch off again, so unacknowledged records do not reappear after a reopen.
    private bool TryRollBack()
    {
        var segment = _writeSegment;
        try
        {
            if (_rollbackDeletes)
            {
                segment.Dispose();
                File.Delete(segment.Path);
                DirectorySync.Flush(Directory);
            }
            else
            {
                var stream = segment.WriteStream;
                stream.SetLength(_rollbackLength);
                segment.WrittenBytes = _rollbackLength;
                stream.Flush(flushToDisk: true);
            }

            return true;
        }
        catch (Exception exception)
        {
            StorageLog.RollbackFailed(_logger, exception, segment.Path, _rollbackLength);
            return false;
        }
    }
}
