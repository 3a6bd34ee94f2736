using System.Diagnostics;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Appending, group commit and waiting for durability.</summary>
internal sealed partial class SegmentedLog
{
    private LogSegment _appendSegment;
    private LogWriteBuffer _appendBuffer;
    private LogWriteBuffer? _spareBuffer;
    private TaskCompletionSource? _appendBatchDurable;
    private TaskCompletionSource? _writingBatchDurable;
    private long _writingLastOffset = -1;
    private bool _writingSyncs;
    private long _firstPendingTimestamp;
    private bool _commitRequested;
    private bool _writeSoon;

    /// <summary>
    /// Appends a record and returns its offset without waiting for the disk. Blocks only while the write
    /// buffer is full. Use <see cref="WaitForDurableAsync"/> or <see cref="CommitAsync"/> to wait for durability.
    /// </summary>
    /// <exception cref="ArgumentException">The record is larger than <see cref="LogOptions.MaxRecordBytes"/> or a field cannot be stored.</exception>
    /// <exception cref="StorageException">An earlier write failure stopped the log.</exception>
    /// <exception cref="ObjectDisposedException">The log is closed.</exception>
    public long Append(in LogRecordData record)
    {
        var length = RecordFormat.GetEncodedLength(record);
        if (length > _options.MaxRecordBytes)
        {
            throw new ArgumentException(
                $"The record encodes to {length} bytes, more than LogOptions.MaxRecordBytes ({_options.MaxRecordBytes}).", nameof(record));
        }

        lock (_sync)
        {
            while (true)
            {
                ThrowIfNotWritable();
                var segmentFull = _appendSegment.AppendedBytes > 0 && _appendSegment.AppendedBytes + length > _options.SegmentBytes;

                // A batch holds records of one segment only, so the records of a new segment wait for the buffer to empty.
                if ((segmentFull && _appendBuffer.Count > 0) || !_appendBuffer.Fits(length))
                {
                    _writeSoon = true;
                    Monitor.PulseAll(_sync);
                    Monitor.Wait(_sync);
                    continue;
                }

                if (segmentFull)
                {
                    RollAppendSegment(_nextOffset);
                }

                break;
            }

            var offset = _nextOffset;
            var segment = _appendSegment;
            var wasEmpty = _appendBuffer.Count == 0;
            var previousLast = _appendBuffer.LastOffset;
            try
            {
                RecordFormat.Write(_appendBuffer.Add(offset, length), record, offset);
            }
            catch
            {
                // Only a caller mutating the record's headers while appending gets here; keep the buffer consistent.
                _appendBuffer.RemoveLast(length, previousLast);
                throw;
            }

            if (segment.LastIndexedPosition < 0 || segment.AppendedBytes - segment.LastIndexedPosition >= _options.IndexIntervalBytes)
            {
                segment.Index.Add(offset, segment.AppendedBytes);
                segment.LastIndexedPosition = segment.AppendedBytes;
            }

            segment.AppendedBytes += length;
            Volatile.Write(ref _nextOffset, offset + 1);
            if (wasEmpty)
            {
                _firstPendingTimestamp = Stopwatch.GetTimestamp();
                Monitor.PulseAll(_sync);
            }

            return offset;
        }
    }

    /// <summary>
    /// Appends a record. Under <see cref="FlushPolicy.EveryWrite"/> completes when the record is durable
    /// (sharing fsyncs with concurrent appenders); under the other policies completes at once, like
    /// <see cref="Append"/>.
    /// </summary>
    /// <exception cref="StorageException">The write failed (for example <see cref="StorageErrorKind.DiskFull"/>); the record's durability is in doubt.</exception>
    public ValueTask<long> AppendAsync(LogRecordData record, CancellationToken cancellationToken = default)
    {
        var offset = Append(record);
        if (_options.FlushPolicy != FlushPolicy.EveryWrite)
        {
            return new ValueTask<long>(offset);
        }

        var durable = WaitForDurableAsync(offset, cancellationToken);
        return durable.IsCompletedSuccessfully ? new ValueTask<long>(offset) : AwaitDurable(durable, offset);

        static async ValueTask<long> AwaitDurable(ValueTask durable, long offset)
        {
            await durable.ConfigureAwait(false);
            return offset;
        }
    }

    /// <summary>
    /// Completes when the record at <paramref name="offset"/> (and so every earlier one) is durable. Does not
    /// force a flush under <see cref="FlushPolicy.Interval"/>; forces one under <see cref="FlushPolicy.Never"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> was not appended yet.</exception>
    /// <exception cref="StorageException">The write of that record (or an earlier one) failed; the record is not acknowledged.</exception>
    public ValueTask WaitForDurableAsync(long offset, CancellationToken cancellationToken = default)
    {
        if (offset < Volatile.Read(ref _durableEnd))
        {
            return default;
        }

        Task durable;
        lock (_sync)
        {
            if (offset < _durableEnd)
            {
                return default;
            }

            if (_failure is { } failure)
            {
                // The record was appended before the failure: report the failure itself (e.g. DiskFull).
                return ValueTask.FromException(failure);
            }

            ObjectDisposedException.ThrowIf(_writerExited.Task.IsCompleted, this);
            if (offset < 0 || offset >= _nextOffset)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset,
                    $"Offset {offset} has not been appended to the log in '{Directory}'; the next offset is {_nextOffset}.");
            }

            if (offset <= _writingLastOffset && _writingSyncs)
            {
                durable = (_writingBatchDurable ??= NewBatchSignal()).Task;
            }
            else
            {
                if (_appendBatchDurable is null)
                {
                    _appendBatchDurable = NewBatchSignal();

                    // Under Interval the writer flushes early once appends pause while someone waits: tell it someone does.
                    Monitor.PulseAll(_sync);
                }

                durable = _appendBatchDurable.Task;
                if (_options.FlushPolicy == FlushPolicy.Never)
                {
                    _commitRequested = true;
                    Monitor.PulseAll(_sync);
                }
            }
        }

        return new ValueTask(cancellationToken.CanBeCanceled ? durable.WaitAsync(cancellationToken) : durable);
    }

    /// <summary>Flushes now and completes when everything appended before the call is durable.</summary>
    /// <exception cref="StorageException">The write failed or the log stopped.</exception>
    public ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        long last;
        lock (_sync)
        {
            if (_failure is { } failure)
            {
                return ValueTask.FromException(failure);
            }

            ObjectDisposedException.ThrowIf(_writerExited.Task.IsCompleted, this);
            last = _nextOffset - 1;
            if (last < _durableEnd)
            {
                return default;
            }

            _commitRequested = true;
            Monitor.PulseAll(_sync);
        }

        return WaitForDurableAsync(last, cancellationToken);
    }

    private static TaskCompletionSource NewBatchSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void RollAppendSegment(long baseOffset)
    {
        var next = new LogSegment(Directory, baseOffset);
        _appendSegment.EndOffset = baseOffset;
        _appendBuffer.StartsSegment = next;
        _appendSegment = next;
        Volatile.Write(ref _segments, [.. _segments, next]);
    }
}
