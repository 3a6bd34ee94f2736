namespace Omnibus.Drivers;

/// <summary>
/// The deliveries one consumer has handed out and not yet settled. Settling a delivery forgets it; closing the
/// tracker releases every one still held (<see cref="Delivery.ReleaseAsync"/>), so nothing a consumer took is lost
/// when it goes away. A driver whose consumers read a shared queue uses it directly; <see cref="DeliveryBuffer"/>
/// uses it for drivers that push into a per-consumer buffer. Thread-safe.
/// </summary>
public sealed class DeliveryTracker
{
    private readonly object _lock = new();
    private Delivery? _head;
    private int _count;
    private bool _closed;

    /// <summary>Deliveries held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether <see cref="CloseAsync"/> has run.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>
    /// Takes <paramref name="delivery"/> into the tracker before it is handed out. An expired delivery is settled through
    /// its expiry hook instead, and one arriving after close is released: both return false (do not hand it out).
    /// </summary>
    public bool TryTrack(Delivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.IsExpiredAt(now))
        {
            _ = delivery.ExpireAsync();
            return false;
        }

        lock (_lock)
        {
            if (!_closed)
            {
                delivery.TrackedNext = _head;
                if (_head is not null)
                {
                    _head.TrackedPrevious = delivery;
                }

                _head = delivery;
                _count++;
                Volatile.Write(ref delivery.Tracker, this);
                if (!delivery.IsSettled)
                {
                    return true;
                }

                // Settled by another thread before it was linked (its untrack found no tracker): unlink it here.
                UnlinkLocked(delivery);
                return false;
            }
        }

        _ = delivery.ReleaseAsync();
        return false;
    }

    /// <summary>
    /// Closes the tracker and releases every delivery it holds, oldest first (the order they were tracked in), so a broker
    /// that requeues each released delivery behind the previous one keeps their order. Idempotent; later
    /// <see cref="TryTrack"/> calls release what they are given.
    /// </summary>
    public async ValueTask CloseAsync()
    {
        List<Delivery> held;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            held = new List<Delivery>(_count);
            for (var d = _head; d is not null; d = d.TrackedNext)
            {
                held.Add(d);
            }
        }

        held.Reverse(); // linked newest first

        foreach (var delivery in held)
        {
            await delivery.ReleaseAsync().ConfigureAwait(false);
        }
    }

    internal void Untrack(Delivery delivery)
    {
        lock (_lock)
        {
            if (delivery.Tracker == this)
            {
                UnlinkLocked(delivery);
            }
        }
    }

    private void UnlinkLocked(Delivery delivery)
    {
        if (delivery.TrackedPrevious is not null)
        {
            delivery.TrackedPrevious.TrackedNext = delivery.TrackedNext;
        }
        else if (_head == delivery)
        {
            _head = delivery.TrackedNext;
        }
        else
        {
            return; // not linked
        }

        if (delivery.TrackedNext is not null)
        {
            delivery.TrackedNext.TrackedPrevious = delivery.TrackedPrevious;
        }

        delivery.TrackedPrevious = delivery.TrackedNext = null;
        delivery.Tracker = null;
        _count--;
    }
}
