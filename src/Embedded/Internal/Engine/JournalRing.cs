using System.IO.MemoryMappedFiles;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// The file <c>journal.ring</c> of a consumer group: a ring of <see cref="Slots"/> journal records (settlements and
/// attempt counts, the journal's 21-byte format), stored through a shared memory mapping when a handler starts on a
/// delivery: its attempt and every record appended before it. A store to a shared mapping is in the operating
/// system's page cache at once, so they survive the process being killed in the handler (it has used up its attempt,
/// and the acks before it count), without a system call per delivery: a write(2) per started delivery cost about
/// 3.5 µs of CPU here. The same records go to
/// the journal file with its next write; <see cref="GroupStore"/> writes the journal before the ring wraps onto a
/// record the journal does not hold yet. A power loss before the journal's next sync can lose them, as it can lose
/// an unsynced write. Not thread-safe: the caller serialises writes.
/// </summary>
internal sealed class JournalRing : IDisposable
{
    public const int Slots = 16384;
    private const string FileName = "journal.ring";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private int _next;

    private JournalRing(MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        _file = file;
        _view = view;
    }

    private static long Capacity => (long)Slots * GroupStore.RecordSize;

    /// <summary>
    /// Maps the group's ring, creating it when there is none; <paramref name="leftOver"/> is what a previous process
    /// left in it (empty for a new file), for <see cref="GroupStore"/> to make durable in its journal before it calls
    /// <see cref="Clear"/>. A new file's blocks are written out, not left sparse, so a store through the mapping never
    /// needs a block that a full disk lacks (that would be a SIGBUS, not an exception); an existing one has them.
    /// </summary>
    /// <exception cref="IOException">The file could not be written or mapped.</exception>
    public static JournalRing Open(string directory, out byte[] leftOver)
    {
        var path = Path.Combine(directory, FileName);
        var existing = File.Exists(path) && new FileInfo(path).Length == Capacity;
        if (!existing)
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            stream.Write(new byte[Capacity]);
            stream.Flush(true);
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, Capacity, MemoryMappedFileAccess.ReadWrite);
        try
        {
            var ring = new JournalRing(file, file.CreateViewAccessor(0, Capacity));
            leftOver = existing ? new byte[Capacity] : [];
            ring._view.ReadArray(0, leftOver, 0, leftOver.Length);
            return ring;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Zeroes every slot, in place (no sync: a record that comes back after a power loss is one the journal already
    /// holds, and applying it again changes nothing).
    /// </summary>
    public void Clear()
    {
        var zeros = new byte[Capacity];
        _view.WriteArray(0, zeros, 0, zeros.Length);
        _next = 0;
    }

    /// <summary>
    /// Stores <paramref name="count"/> encoded records from <paramref name="records"/> at <paramref name="start"/> in
    /// the next slots, overwriting the oldest; at most <see cref="Slots"/>.
    /// </summary>
    public void Write(byte[] records, int start, int count)
    {
        while (count > 0)
        {
            var run = Math.Min(count, Slots - _next);
            _view.WriteArray((long)_next * GroupStore.RecordSize, records, start, run * GroupStore.RecordSize);
            _next = (_next + run) % Slots;
            start += run * GroupStore.RecordSize;
            count -= run;
        }
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
