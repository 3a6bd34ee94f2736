using System.Diagnostics.CodeAnalysis;
using Omnibus.Drivers;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>One consumer of a group. Disposing it hands its unsettled deliveries back to the group.</summary>
internal sealed class EmbeddedConsumer : IDeliverySource
{
    private readonly ConsumerGroup _group;
    private readonly Action<EmbeddedConsumer> _onClosed;
    private int _closed;

    public EmbeddedConsumer(ConsumerGroup group, int qos, Action<EmbeddedConsumer> onClosed)
    {
        _group = group;
        Qos = qos;
        _onClosed = onClosed;
        group.MemberJoined();
    }

    public int Qos { get; }

    public bool IsClosed => Volatile.Read(ref _closed) == 1;

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _group.WaitToReadAsync(this, cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        var found = _group.TryRead(this, out var embedded);
        delivery = embedded;
        return found;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _group.Release(this);
            _group.MemberLeft();
            _onClosed(this);
        }

        return default;
    }
}
