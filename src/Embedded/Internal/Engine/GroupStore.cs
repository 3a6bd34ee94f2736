using System.Buffers.Binary;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// Durable state of one consumer group: <c>checkpoint</c> (a whole <see cref="GroupSnapshot"/>, replaced
/// atomically) and <c>journal</c> (settlements and failed-attempt counts since the checkpoint, appended in
/// fixed 21-byte CRC-checked records). At open, the checkpoint is loaded and the journal replayed up to its
/// first torn or corrupt record, which is cut off. Appends are buffered and made durable by
/// <see cref="Flush"/>, which the engine calls every flush interval. Thread-safe.
/// </summary>
internal sealed class GroupStore : IDisposable
{
    private const int RecordSize = 21;
    private const uint Magic = 0x4347424F; // "OBGC"
    private const byte SettledKind = 1;
    private const byte AttemptsKind = 2;

    private readonly object _lock = new();
    private readonly string _directory;
    private readonly bool _sync;
    private readonly FileStream _journal;
    private byte[] _pending = new byte[RecordSize * 256];
    private int _pendingLength;
    private bool _unsynced; // written to the file by WriteAttemptNow, not synced yet
    private TaskCompletionSource? _flushed;
    private Exception? _failure;

    private GroupStore(string directory, FileStream journal, bool sync)
    {
        _directory = directory;
        _journal = journal;
        _sync = sync;
    }

    public long JournalBytes => _journal.Length + _pendingLength;

    public bool IsDirty
    {
        get
        {
            lock (_lock)
            {
                return _pendingLength > 0 || _unsynced;
            }
        }
    }

    /// <summary>Opens (or creates, at <paramref name="initial"/> positions) the store in <paramref name="directory"/>.</summary>
    public static GroupStore Open(string directory, Func<long[]> initial, bool sync, out GroupSnapshot snapshot)
    {
        Directory.CreateDirectory(directory);
        var checkpoint = Path.Combine(directory, "checkpoint");
        if (File.Exists(checkpoint))
        {
            snapshot = ReadCheckpoint(checkpoint);
        }
        else
        {
            snapshot = new GroupSnapshot(initial());
            WriteCheckpoint(directory, snapshot);
        }

        // Unbuffered: appends are buffered in _pending already, and a stream buffer would try to write again on close,
        // which on a full disk throws from Dispose.
        var journal = new FileStream(Path.Combine(directory, "journal"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        Replay(journal, snapshot);
        return new GroupStore(directory, journal, sync);
    }

    public void AppendSettled(int partition, long offset) => Append(SettledKind, partition, offset, 0);

    public void AppendAttempts(int partition, long offset, int attempts) => Append(AttemptsKind, partition, offset, attempts);

    /// <summary>
    /// Records "handed out for attempt <paramref name="attempts"/>" and writes it to the journal file at once, with
    /// everything appended before it, without a sync: written before the handler runs, the count (and the settlements
    /// before it) survive the process dying in the handler, since the operating system keeps the write; only a power
    /// loss before the next <see cref="Flush"/> can lose them. Replay keeps the highest count per offset.
    /// </summary>
    /// <exception cref="StorageException">The write failed.</exception>
    public void WriteAttemptNow(int partition, long offset, int attempts)
    {
        Append(AttemptsKind, partition, offset, attempts);
        Write(sync: false);
    }

    /// <summary>Completes once everything appended before the call is durable; fails once <see cref="Fail"/> was called.</summary>
    public Task WaitFlushedAsync()
    {
        lock (_lock)
        {
            return _pendingLength == 0 && !_unsynced ? Task.CompletedTask
                : _failure is { } failure ? Task.FromException(failure)
                : (_flushed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>
    /// Nothing will flush this store any more (the engine stopped): fails every wait for a flush, now and later, with
    /// <paramref name="error"/>, so no acknowledgement waits for a flush that never comes.
    /// </summary>
    public void Fail(Exception error)
    {
        TaskCompletionSource? waiters;
        lock (_lock)
        {
            _failure ??= error;
            waiters = _flushed;
            _flushed = null;
        }

        waiters?.TrySetException(error);
    }

    /// <summary>Writes and syncs what was appended.</summary>
    public void Flush() => Write(sync: true);

    /// <summary>
    /// Writes what was appended; with <paramref name="sync"/>, also syncs it (when the store syncs at all) and completes
    /// the waits for a flush. Writes are serialised by the journal's lock, taken before the appends are, so that a
    /// sync always covers every record taken before it.
    /// </summary>
    private void Write(bool sync)
    {
        lock (_journal)
        {
            byte[] data;
            int length;
            TaskCompletionSource? waiters = null;
            lock (_lock)
            {
                if (_pendingLength == 0 && (!sync || !_unsynced))
                {
                    return;
                }

                (data, length) = (_pending, _pendingLength);
                if (length > 0)
                {
                    _pending = new byte[Math.Max(RecordSize * 256, length)];
                    _pendingLength = 0;
                }

                if (sync)
                {
                    (waiters, _flushed, _unsynced) = (_flushed, null, false);
                }
                else
                {
                    _unsynced = true;
                }
            }

            try
            {
                _journal.Seek(0, SeekOrigin.End);
                _journal.Write(data, 0, length);
                if (sync)
                {
                    _journal.Flush(_sync);
                }

                waiters?.TrySetResult();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var failure = StorageException.JournalWriteFailure(Path.Combine(_directory, "journal"), e);
                waiters?.TrySetException(failure);
                throw failure;
            }
            catch (Exception e)
            {
                waiters?.TrySetException(e);
                throw;
            }
        }
    }

    /// <summary>Replaces the checkpoint with <paramref name="snapshot"/> and empties the journal. The caller keeps the
    /// group from changing meanwhile, so nothing appended is lost between the two.</summary>
    public void Checkpoint(GroupSnapshot snapshot)
    {
        Flush();
        WriteCheckpoint(_directory, snapshot);
        lock (_journal)
        {
            _journal.SetLength(0);
            _journal.Flush(true);
        }
    }

    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _journal.Dispose();
        }
    }

    private void Append(byte kind, int partition, long offset, int value)
    {
        lock (_lock)
        {
            if (_pendingLength + RecordSize > _pending.Length)
            {
                Array.Resize(ref _pending, _pending.Length * 2);
            }

            Encode(_pending.AsSpan(_pendingLength, RecordSize), kind, partition, offset, value);
            _pendingLength += RecordSize;
        }
    }

    private static void Encode(Span<byte> span, byte kind, int partition, long offset, int value)
    {
        span[4] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], partition);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], offset);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], value);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Compute(span[4..]));
    }

    private static void Replay(FileStream journal, GroupSnapshot snapshot)
    {
        var record = new byte[RecordSize];
        long good = 0;
        journal.Seek(0, SeekOrigin.Begin);
        while (journal.Read(record, 0, RecordSize) == RecordSize)
        {
            var span = record.AsSpan();
            if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Crc32C.Compute(span[4..]))
            {
                break;
            }

            var partition = BinaryPrimitives.ReadInt32LittleEndian(span[5..]);
            var offset = BinaryPrimitives.ReadInt64LittleEndian(span[9..]);
            if (partition < 0 || partition >= snapshot.Committed.Length)
            {
                break;
            }

            if (span[4] == SettledKind)
            {
                snapshot.Settle(partition, offset);
            }
            else if (span[4] == AttemptsKind && !snapshot.IsSettled(partition, offset))
            {
                var attempts = BinaryPrimitives.ReadInt32LittleEndian(span[17..]);
                snapshot.Attempts[(partition, offset)] = Math.Max(attempts, snapshot.Attempts.GetValueOrDefault((partition, offset)));
            }

            good += RecordSize;
        }

        // A torn or corrupt tail (a crash mid-append) is cut off: those settlements were never acknowledged as durable.
        journal.SetLength(good);
        journal.Seek(0, SeekOrigin.End);
    }

    private static void WriteCheckpoint(string directory, GroupSnapshot snapshot)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(snapshot.Committed.Length);
            for (var p = 0; p < snapshot.Committed.Length; p++)
            {
                w.Write(snapshot.Committed[p]);
                w.Write(snapshot.SettledAbove[p].Count);
                foreach (var offset in snapshot.SettledAbove[p])
                {
                    w.Write(offset);
                }
            }

            w.Write(snapshot.Attempts.Count);
            foreach (var ((partition, offset), attempts) in snapshot.Attempts)
            {
                w.Write(partition);
                w.Write(offset);
                w.Write(attempts);
            }
        }

        var bytes = buffer.ToArray();
        var temp = Path.Combine(directory, "checkpoint.tmp");
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            Span<byte> crc = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Compute(bytes));
            file.Write(crc);
            file.Flush(true);
        }

        File.Move(temp, Path.Combine(directory, "checkpoint"), overwrite: true);
        DirectorySync.Flush(directory);
    }

    private static GroupSnapshot ReadCheckpoint(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) != Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)))
        {
            throw new InvalidDataException($"The consumer-group checkpoint '{path}' is damaged (CRC mismatch); the group's position cannot be trusted. Move the group folder away to recreate the group.");
        }

        using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4));
        if (r.ReadUInt32() != Magic)
        {
            throw new InvalidDataException($"'{path}' is not a consumer-group checkpoint.");
        }

        var committed = new long[r.ReadInt32()];
        var sets = new List<long[]>();
        for (var p = 0; p < committed.Length; p++)
        {
            committed[p] = r.ReadInt64();
            sets.Add(Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadInt64()).ToArray());
        }

        var snapshot = new GroupSnapshot(committed);
        for (var p = 0; p < committed.Length; p++)
        {
            snapshot.SettledAbove[p].UnionWith(sets[p]);
        }

        var attempts = r.ReadInt32();
        for (var i = 0; i < attempts; i++)
        {
            snapshot.Attempts[(r.ReadInt32(), r.ReadInt64())] = r.ReadInt32();
        }

        return snapshot;
    }
}
