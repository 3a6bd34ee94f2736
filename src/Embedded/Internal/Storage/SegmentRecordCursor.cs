using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Reads the records of a segment file one after another through a pooled buffer, validating each
/// record's length and checksum; after damage it can resynchronise on the next intact record. Not
/// thread-safe: one cursor per scan.
/// </summary>
internal sealed class SegmentRecordCursor : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _end;
    private byte[] _buffer;
    private long _bufferPosition;
    private int _bufferLength;

    /// <summary>Starts a cursor at byte <paramref name="start"/> that never reads at or past byte <paramref name="end"/>.</summary>
    public SegmentRecordCursor(SafeFileHandle handle, long start, long end, int readSize)
    {
        _handle = handle;
        _end = end;
        Position = start;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(readSize, RecordFormat.FixedSize));
    }

    /// <summary>Gets the byte position of the next record to read.</summary>
    public long Position { get; private set; }

    /// <summary>Gets the position of the last record read, or of the damage <see cref="TryReadNext"/> reported.</summary>
    public long RecordPosition { get; private set; }

    /// <summary>Gets the encoded length of the last record read.</summary>
    public int RecordLength { get; private set; }

    /// <summary>Gets the offset stored in the last record read.</summary>
    public long RecordOffset { get; private set; }

    /// <summary>Gets the bytes of the last record read; valid until the cursor moves.</summary>
    public ReadOnlySpan<byte> Record => _buffer.AsSpan((int)(RecordPosition - _bufferPosition), RecordLength);

    /// <summary>
    /// Reads the next record. Returns false at the end (<paramref name="damage"/> is
    /// <see cref="LogCorruptionReason.None"/>) or at damage, leaving <see cref="Position"/> on the bad record.
    /// </summary>
    public bool TryReadNext(out LogCorruptionReason damage)
    {
        RecordPosition = Position;
        if (Position >= _end)
        {
            damage = LogCorruptionReason.None;
            return false;
        }

        var window = Window(Position, RecordFormat.FixedSize);
        damage = RecordFormat.Check(window, out var length);
        if (damage == LogCorruptionReason.Torn && length > window.Length)
        {
            window = Window(Position, length);
            damage = RecordFormat.Check(window, out length);
        }

        if (damage != LogCorruptionReason.None)
        {
            return false;
        }

        RecordLength = length;
        RecordOffset = RecordFormat.ReadOffset(window);
        Position += length;
        return true;
    }

    /// <summary>Moves the cursor to <paramref name="position"/>, which must be the start of a record.</summary>
    public void Seek(long position) => Position = position;

    /// <summary>
    /// Looks byte by byte after the damage at <paramref name="damagedPosition"/> for the next intact record
    /// whose offset is at least <paramref name="minOffset"/> and plausible for its distance. On success the
    /// cursor stands on that record.
    /// </summary>
    public bool TryResync(long damagedPosition, long minOffset, out long position, out long offset)
    {
        for (var candidate = damagedPosition + 1; candidate + RecordFormat.FixedSize <= _end; candidate++)
        {
            // Every record is at least FixedSize bytes, which bounds how far offsets can have advanced.
            var maxOffset = minOffset + ((candidate - damagedPosition) / RecordFormat.FixedSize);
            if (!RecordFormat.LooksLikeRecordStart(Window(candidate, RecordFormat.FixedSize), minOffset, maxOffset))
            {
                continue;
            }

            Position = candidate;
            if (TryReadNext(out _))
            {
                Position = position = candidate;
                offset = RecordOffset;
                return true;
            }
        }

        Position = position = _end;
        offset = 0;
        return false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ReadOnlySpan<byte> Window(long position, int count)
    {
        var wanted = (int)Math.Min(count, _end - position);
        if (position < _bufferPosition || position + wanted > _bufferPosition + _bufferLength)
        {
            Fill(position, wanted);
        }

        var start = (int)(position - _bufferPosition);
        return _buffer.AsSpan(start, Math.Min(wanted, _bufferLength - start));
    }

    private void Fill(long position, int wanted)
    {
        if (_buffer.Length < wanted)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(wanted);
        }

        var toRead = (int)Math.Min(_buffer.Length, _end - position);
        var read = 0;
        while (read < toRead)
        {
            var n = RandomAccess.Read(_handle, _buffer.AsSpan(read, toRead - read), position + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        _bufferPosition = position;
        _bufferLength = read;
    }
}
