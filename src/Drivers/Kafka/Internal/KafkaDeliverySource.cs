using System.Diagnostics.CodeAnalysis;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One subscriber's view of a group consumer: its readers compete with the other subscribers of the same topic and
/// group on this driver for the records the Kafka consumer fetched. The kit's <see cref="DeliveryTracker"/> holds what
/// it handed out; closing it releases those to the others (or, when it was the last, leaves them to Kafka: uncommitted).
/// </summary>
internal sealed class KafkaDeliverySource(KafkaGroupConsumer consumer, Func<ValueTask> onClosed) : IDeliverySource
{
    private readonly DeliveryTracker _tracker = new();
    private int _closed;

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        _tracker.IsClosed ? new ValueTask<bool>(false) : consumer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (!_tracker.IsClosed && consumer.TryTake(out var taken))
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
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await _tracker.CloseAsync().ConfigureAwait(false);
            await onClosed().ConfigureAwait(false);
        }
    }
}
