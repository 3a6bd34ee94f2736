using System.Diagnostics.CodeAnalysis;
using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// One consumer of a group: reads the group's shared queue (consumers compete on it), and through the kit's
/// <see cref="DeliveryTracker"/> drops expired entries and hands back, on close, whatever it took and did not settle.
/// </summary>
internal sealed class MemoryConsumer : IDeliverySource
{
    private readonly MemoryGroup _group;
    private readonly Action<MemoryConsumer> _onClosed;
    private readonly DeliveryTracker _tracker = new();

    public MemoryConsumer(MemoryGroup group, Action<MemoryConsumer> onClosed)
    {
        _group = group;
        _onClosed = onClosed;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        _tracker.IsClosed ? new ValueTask<bool>(false) : _group.Ready.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (!_tracker.IsClosed && _group.Ready.Reader.TryRead(out var taken))
        {
            if (_tracker.TryTrack(taken, DateTimeOffset.UtcNow))
            {
                delivery = taken;
                return true;
            }
        }

        delivery = null;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_tracker.IsClosed)
        {
            return;
        }

        await _tracker.CloseAsync().ConfigureAwait(false);
        _onClosed(this);
    }
}
