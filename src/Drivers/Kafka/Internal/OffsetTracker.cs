namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The offsets of one partition handed to handlers and not yet acknowledged, and from them the offset that may be
/// committed: the first unacknowledged one, or one past the last handed out when all were acknowledged. Offsets are
/// handed out in increasing order but need not be contiguous (compaction, transaction markers), so the commit point
/// is computed from what was handed out, never by adding one. Thread-safe.
/// </summary>
internal sealed class OffsetTracker
{
    private readonly object _lock = new();
    private readonly Queue<long> _outstanding = new();
    private readonly HashSet<long> _acked = [];
    private long _next;

    /// <summary>Starts at <paramref name="start"/>: the offset to commit while nothing was handed out.</summary>
    public OffsetTracker(long start) => _next = start;

    /// <summary>The offset to commit now: nothing at or after it was necessarily handled.</summary>
    public long Committable
    {
        get
        {
            lock (_lock)
            {
                return _outstanding.TryPeek(out var first) ? first : _next;
            }
        }
    }

    /// <summary>Handed out and not acknowledged.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>Records <paramref name="offset"/> as handed out; offsets must increase. False (ignored) otherwise.</summary>
    public bool HandOut(long offset)
    {
        lock (_lock)
        {
            if (offset < _next)
            {
                return false;
            }

            _outstanding.Enqueue(offset);
            _next = offset + 1;
            return true;
        }
    }

    /// <summary>Records <paramref name="offset"/> as acknowledged; false when it was not outstanding (twice, or unknown).</summary>
    public bool Acknowledge(long offset)
    {
        lock (_lock)
        {
            if (!_outstanding.TryPeek(out var first) || offset < first || offset >= _next)
            {
                return false;
            }

            // Acknowledgements mostly come in order: the first outstanding one needs no set.
            if (offset == first)
            {
                _outstanding.Dequeue();
            }
            else if (!_acked.Add(offset))
            {
                return false;
            }

            while (_acked.Count > 0 && _outstanding.TryPeek(out first) && _acked.Remove(first))
            {
                _outstanding.Dequeue();
            }

            return true;
        }
    }
}
