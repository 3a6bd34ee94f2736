using System.Diagnostics.CodeAnalysis;
using Omnibus.Drivers;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// One consumer of a group. Its deliveries are tracked by the kit's <see cref="DeliveryTracker"/>, so disposing it
/// hands every unsettled one back to the group (a release, with its attempt kept).
/// </summary>
internal sealed class EmbeddedConsumer : IDeliverySource
{
    private readonly ConsumerGroup _group;
    private readonly Action<EmbeddedConsumer> _onClosed;
    private readonly DeliveryTracker _tracker = new();

    public EmbeddedConsumer(ConsumerGroup group, int qos, bool ordered, Action<EmbeddedConsumer> onClosed)
    {
        _group = group;
        Qos = qos;
        Ordered = ordered;
        _onClosed = onClosed;
        group.MemberJoined(this);
    }

    public int Qos { get; }

    /// <summary>Whether this consumer keeps per-key order (takes keyed records of its own key lanes only).</summary>
    public bool Ordered { get; }

    public bool IsClosed => _tracker.IsClosed;

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _group.WaitToReadAsync(this, cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (_group.TryRead(this, out var embedded))
        {
            if (_tracker.TryTrack(embedded!, DateTimeOffset.UtcNow))
            {
                delivery = embedded!;
                return true;
            }
        }

        delivery = null;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_tracker.IsClosed)
        {
            await _tracker.CloseAsync().ConfigureAwait(false);
            _group.MemberLeft(this);
            _onClosed(this);
        }
    }
}
