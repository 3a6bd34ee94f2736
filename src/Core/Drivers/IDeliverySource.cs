using System.Diagnostics.CodeAnalysis;

namespace Omnibus.Drivers;

/// <summary>
/// One consumer's stream of deliveries, read like a <see cref="System.Threading.Channels.ChannelReader{T}"/>:
/// wait, then take what is there synchronously. Safe for several concurrent readers. Disposing it leaves every
/// delivery that was neither acknowledged nor rejected to redelivery (to this group's other consumers).
/// </summary>
public interface IDeliverySource : IAsyncDisposable
{
    /// <summary>Waits until a delivery may be available; false once the source is closed for good.</summary>
    ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>Takes a delivery if one is available now.</summary>
    bool TryRead([MaybeNullWhen(false)] out Delivery delivery);
}
