using System.Diagnostics.CodeAnalysis;
using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>
/// One consumer of a group: takes from the group's queues (consumers compete on them; one that keeps per-key order
/// only from its key lanes), and through the kit's <see cref="DeliveryTracker"/> drops expired entries and hands back,
/// on close, whatever it took and did not settle, before it leaves the lane assignment.
/// </summary>
internal sealed class MemoryConsumer : IDeliverySource
{
    private readonly MemoryGroup _group;
    private readonly Action<MemoryConsumer> _onClosed;
    private readonly DeliveryTracker _tracker = new();

    public MemoryConsumer(MemoryGroup group, bool ordered, Action<MemoryConsumer> onClosed)
    {
        _group = group;
        Ordered = ordered;
        _onClosed = onClosed;
        group.Join(this);
    }

    /// <summary>Whether this consumer keeps per-key order (takes keyed entries from its own lanes only).</summary>
    public bool Ordered { get; }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (_tracker.IsClosed)
        {
            return new ValueTask<bool>(false);
        }

        return _group.WaitForReady(this) is { } changed ? WaitAsync(changed, cancellationToken) : new ValueTask<bool>(true);
    }

    private async ValueTask<bool> WaitAsync(Task changed, CancellationToken cancellationToken)
    {
        while (!_tracker.IsClosed)
        {
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_group.WaitForReady(this) is not { } next)
            {
                return true;
            }

            changed = next;
        }

        return false;
    }

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (!_tracker.IsClosed && _group.Take(this) is { } taken)
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
        _group.Leave(this);
        _onClosed(this);
    }
}
