namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// In-memory sparse index of one segment: (offset, file position) pairs, one about every
/// <see cref="LogOptions.IndexIntervalBytes"/>, so a read by offset scans at most one interval.
/// Thread-safe: one writer appends while readers look up.
/// </summary>
internal sealed class SparseOffsetIndex
{
    private readonly object _gate = new();
    private long[] _offsets = new long[16];
    private long[] _positions = new long[16];
    private int _count;

    /// <summary>Gets the number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds an entry; offsets and positions must be greater than those of the last entry.</summary>
    public void Add(long offset, long position)
    {
        lock (_gate)
        {
            if (_count > 0 && (offset <= _offsets[_count - 1] || position <= _positions[_count - 1]))
            {
                throw new InvalidOperationException(
                    $"Index entries must increase: ({offset}, {position}) after ({_offsets[_count - 1]}, {_positions[_count - 1]}).");
            }

            if (_count == _offsets.Length)
            {
                Array.Resize(ref _offsets, _count * 2);
                Array.Resize(ref _positions, _count * 2);
            }

            _offsets[_count] = offset;
            _positions[_count] = position;
            _count++;
        }
    }

    /// <summary>Finds the last entry whose offset is at most <paramref name="offset"/>.</summary>
    public bool TryFindFloor(long offset, out long entryOffset, out long position)
    {
        lock (_gate)
        {
            var index = Array.BinarySearch(_offsets, 0, _count, offset);
            if (index < 0)
            {
                index = ~index - 1;
            }

            if (index < 0)
            {
                entryOffset = position = 0;
                return false;
            }

            entryOffset = _offsets[index];
            position = _positions[index];
            return true;
        }
    }
}
