using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One subscriber's view of a group consumer: its readers compete with the other subscribers of the same topic and
/// group on this driver for the records the Kafka consumer fetched. Tracks what it handed out and has not settled;
/// closing it releases those to the others (or, when it was the last, leaves them to Kafka: uncommitted).
/// </summary>
internal sealed class KafkaDeliverySource : IDeliverySource
{
    private readonly KafkaGroupConsumer _consumer;
    private readonly Func<KafkaDeliverySource, ValueTask> _onClosed;
    private readonly ConcurrentDictionary<KafkaDelivery, byte> _unsettled = new();
    private int _closed;

    public KafkaDeliverySource(KafkaGroupConsumer consumer, Func<KafkaDeliverySource, ValueTask> onClosed)
    {
        _consumer = consumer;
        _onClosed = onClosed;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _closed) == 1 ? new ValueTask<bool>(false) : _consumer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        while (Volatile.Read(ref _closed) == 0 && _consumer.TryTake(out var taken))
        {
            taken.Source = this;
            _unsettled.TryAdd(taken, 0);
            if (Volatile.Read(ref _closed) == 1)
            {
                // Closed while taking: DisposeAsync may have missed it, so let it go here (idempotent).
                taken.Release();
                break;
            }

            delivery = taken;
            return true;
        }

        delivery = null;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        foreach (var delivery in _unsettled.Keys)
        {
            delivery.Release();
        }

        await _onClosed(this).ConfigureAwait(false);
    }

    internal void Forget(KafkaDelivery delivery) => _unsettled.TryRemove(delivery, out _);
}
