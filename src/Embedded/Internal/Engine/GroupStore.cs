using System.Buffers.Binary;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// Durable state of one consumer group: <c>checkpoint</c> (a whole <see cref="GroupSnapshot"/>, replaced
/// atomically) and <c>journal</c> (settlements and failed-attempt counts since the checkpoint, appended in
/// fixed 21-byte CRC-checked records). At open, the checkpoint is loaded and the journal replayed up to its
/// first torn or corrupt record, which is cut off, and then the <see cref="JournalRing"/> that holds each append from
/// the moment it is made until the journal file has it (so an append survives the process dying). Appends are
/// buffered and made durable by <see cref="Flush"/>, which the engine calls every flush interval. Thread-safe.
/// </summary>
internal sealed class GroupStore : IDisposable
{
    internal const int RecordSize = 21;
    private const byte AttemptsKind = 2;
    private const int RingMargin = 1024; // appends that may come between the check in AppendStarted and its lock
    private const uint Magic = 0x4347424F; // "OBGC"
    private const byte SettledKind = 1;

    private readonly object _lock = new();
    private readonly string _directory;
    private readonly bool _sync;
    private readonly FileStream _journal;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private readonly JournalRing _ring;
    private int _ringUnwritten; // records in the ring whose journal copy is not written yet (under _lock)
    private int _ringCopied; // bytes of _pending that are in the ring too (under _lock)
    private byte[] _pending = new byte[RecordSize * 256];
    private byte[]? _spare; // the buffer last written, reused for the next appends (touched only under the journal's lock)
    private int _pendingLength;
    private long _journalLength; // the file's length, kept here so a write is one positioned write (touched under the journal's lock)
    private bool _unsynced; // written to the file before the ring wrapped, not synced yet
    private TaskCompletionSource? _flushed;
    private Exception? _failure;

    private GroupStore(string directory, FileStream journal, JournalRing ring, bool sync)
    {
        _directory = directory;
        _journal = journal;
        _ring = ring;
        _journalLength = journal.Length;
        _handle = journal.SafeFileHandle;
        _sync = sync;
    }

    public long JournalBytes => Volatile.Read(ref _journalLength) + _pendingLength;

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
        JournalRing? ring = null;
        try
        {
            Replay(journal, snapshot);
            ring = JournalRing.Open(directory, out var leftOver);
            KeepLeftOverRing(journal, leftOver, snapshot);
            ring.Clear();
            return new GroupStore(directory, journal, ring, sync);
        }
        catch
        {
            ring?.Dispose();
            journal.Dispose();
            throw;
        }
    }

    public void AppendSettled(int partition, long offset) => Append(SettledKind, partition, offset, 0);

    public void AppendAttempts(int partition, long offset, int attempts) => Append(AttemptsKind, partition, offset, attempts);

    /// <summary>
    /// A handler starts on the delivery at <paramref name="offset"/> for attempt <paramref name="attempts"/>: the
    /// count, and everything appended before it, is stored in the <see cref="JournalRing"/> before this returns, so it
    /// survives the process dying in the handler; the journal file gets it with its next write. Before the ring would
    /// overwrite a record the journal file does not hold yet, the journal is written first (rarely: the flusher
    /// writes it every flush interval).
    /// </summary>
    /// <exception cref="StorageException">That write of the journal failed.</exception>
    public void AppendStarted(int partition, long offset, int attempts)
    {
        if (Volatile.Read(ref _ringUnwritten) + (Volatile.Read(ref _pendingLength) - Volatile.Read(ref _ringCopied)) / RecordSize >= JournalRing.Slots - RingMargin)
        {
            Write(sync: false);
        }

        lock (_lock)
        {
            AppendLocked(AttemptsKind, partition, offset, attempts);
            var count = (_pendingLength - _ringCopied) / RecordSize;
            _ring.Write(_pending, _ringCopied, count);
            _ringCopied = _pendingLength;
            _ringUnwritten += count;
        }
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
            int written;
            TaskCompletionSource? waiters = null;
            lock (_lock)
            {
                if (_pendingLength == 0 && (!sync || !_unsynced))
                {
                    return;
                }

                (data, length, written) = (_pending, _pendingLength, _ringCopied / RecordSize);
                if (length > 0)
                {
                    // Appends go on in the other buffer while this one is written (a write per started delivery made
                    // a new 5 KiB buffer each time).
                    _pending = _spare ?? new byte[RecordSize * 256];
                    _spare = null;
                    _pendingLength = 0;
                    _ringCopied = 0;
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
                if (length > 0)
                {
                    RandomAccess.Write(_handle, data.AsSpan(0, length), _journalLength);
                    Volatile.Write(ref _journalLength, _journalLength + length);
                    _spare = data;
                    lock (_lock)
                    {
                        _ringUnwritten -= written;
                    }
                }

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
            Volatile.Write(ref _journalLength, 0);
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
            _ring.Dispose();
        }
    }

    private void Append(byte kind, int partition, long offset, int value)
    {
        lock (_lock)
        {
            AppendLocked(kind, partition, offset, value);
        }
    }

    private void AppendLocked(byte kind, int partition, long offset, int value)
    {
        if (_pendingLength + RecordSize > _pending.Length)
        {
            Array.Resize(ref _pending, _pending.Length * 2);
        }

        Encode(_pending.AsSpan(_pendingLength, RecordSize), kind, partition, offset, value);
        _pendingLength += RecordSize;
    }

    internal static void Encode(Span<byte> span, byte kind, int partition, long offset, int value)
    {
        span[4] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], partition);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], offset);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], value);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Compute(span[4..]));
    }

    private static void Replay(FileStream journal, GroupSnapshot snapshot)
    {
        // Read in blocks: the journal is unbuffered, and a read per 21-byte record made an 8 MiB journal take 0.8 s.
        var block = new byte[RecordSize * 4096];
        long good = 0;
        while (true)
        {
            var read = RandomAccess.Read(journal.SafeFileHandle, block, good);
            var whole = read / RecordSize * RecordSize;
            var applied = Apply(block.AsSpan(0, whole), snapshot, stopAtDamage: true, changed: null);
            good += applied;
            if (applied < whole || read < block.Length)
            {
                break;
            }
        }

        // A torn or corrupt tail (a crash mid-append) is cut off: those settlements were never acknowledged as durable.
        journal.SetLength(good);
        journal.Seek(0, SeekOrigin.End);
    }

    /// <summary>
    /// Applies encoded records to <paramref name="snapshot"/>, up to the first damaged one (CRC, partition or kind) or,
    /// without <paramref name="stopAtDamage"/>, skipping it; adds the records that changed the snapshot to
    /// <paramref name="changed"/>. Returns the bytes read up to the first damaged record (or all of them).
    /// </summary>
    private static int Apply(ReadOnlySpan<byte> records, GroupSnapshot snapshot, bool stopAtDamage, List<byte>? changed)
    {
        for (var at = 0; at + RecordSize <= records.Length; at += RecordSize)
        {
            var span = records.Slice(at, RecordSize);
            var partition = BinaryPrimitives.ReadInt32LittleEndian(span[5..]);
            var offset = BinaryPrimitives.ReadInt64LittleEndian(span[9..]);
            var damaged = BinaryPrimitives.ReadUInt32LittleEndian(span) != Crc32C.Compute(span[4..])
                || partition < 0 || partition >= snapshot.Committed.Length || span[4] is not (SettledKind or AttemptsKind);
            if (damaged && stopAtDamage)
            {
                return at;
            }

            var applied = !damaged && (span[4] == SettledKind
                ? snapshot.Settle(partition, offset)
                : RaiseAttempts(snapshot, partition, offset, BinaryPrimitives.ReadInt32LittleEndian(span[17..])));
            if (applied && changed is not null)
            {
                changed.AddRange(span);
            }
        }

        return records.Length;
    }

    /// <summary>Keeps the higher count of an unsettled offset; false when nothing changed.</summary>
    private static bool RaiseAttempts(GroupSnapshot snapshot, int partition, long offset, int attempts)
    {
        if (snapshot.IsSettled(partition, offset) || attempts <= snapshot.Attempts.GetValueOrDefault((partition, offset)))
        {
            return false;
        }

        snapshot.Attempts[(partition, offset)] = attempts;
        return true;
    }

    /// <summary>
    /// Applies the ring a previous process left (after the journal: records are in no order there, which is safe because
    /// a settlement is final and a count only rises) and appends to the journal, synced, what it changed, before the
    /// ring is cleared: a second crash must not lose it. Records that fail their CRC (torn or never stored) are skipped.
    /// </summary>
    private static void KeepLeftOverRing(FileStream journal, byte[] ring, GroupSnapshot snapshot)
    {
        var changed = new List<byte>();
        Apply(ring, snapshot, stopAtDamage: false, changed);
        if (changed.Count > 0)
        {
            journal.Seek(0, SeekOrigin.End);
            journal.Write(changed.ToArray());
            journal.Flush(true);
        }
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
