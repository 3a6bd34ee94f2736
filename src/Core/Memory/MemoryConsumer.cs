using System.Diagnostics.CodeAnalysis;
using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// One consumer of a group. Tracks what it was handed and has not settled, so that closing it hands those
/// entries back to the group: nothing taken by a consumer that goes away is lost.
/// </summary>
internal sealed class MemoryConsumer : IDeliverySource
{
    private readonly MemoryGroup _group;
    private readonly Action<MemoryConsumer> _onClosed;
    private readonly HashSet<MemoryDelivery> _inFlight = [];
    private bool _closed;

    public MemoryConsumer(MemoryGroup group, Action<MemoryConsumer> onClosed)
    {
        _group = group;
        _onClosed = onClosed;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _closed) ? new ValueTask<bool>(false) : _group.Ready.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (_group.Ready.Reader.TryRead(out var entry))
        {
            if (entry.ExpiresAt is { } expiry && expiry <= DateTimeOffset.UtcNow)
            {
                _group.CountExpired();
                continue;
            }

            var message = entry.Message.ForDelivery(_group.Topic.Name, entry.Deliveries + 1, entry.PublishedAt);
            var taken = new MemoryDelivery(this, entry, message);
            lock (_inFlight)
            {
                if (_closed)
                {
                    _group.Redeliver(entry, TimeSpan.Zero);
                    break;
                }

                entry.Deliveries++;
                _inFlight.Add(taken);
            }

            delivery = taken;
            return true;
        }

        delivery = null;
        return false;
    }

    public ValueTask DisposeAsync()
    {
        MemoryDelivery[] unsettled;
        lock (_inFlight)
        {
            if (_closed)
            {
                return default;
            }

            _closed = true;
            unsettled = [.. _inFlight];
            _inFlight.Clear();
        }

        foreach (var delivery in unsettled)
        {
            delivery.Release();
        }

        _onClosed(this);
        return default;
    }

    /// <summary>Forgets a settled delivery; false if the consumer had already let go of it.</summary>
    internal bool Settle(MemoryDelivery delivery)
    {
        lock (_inFlight)
        {
            return _inFlight.Remove(delivery);
        }
    }

    internal MemoryGroup Group => _group;
}
