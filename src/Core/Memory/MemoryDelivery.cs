using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>One hand-over of an entry to a consumer. The first settlement wins; later ones do nothing.</summary>
internal sealed class MemoryDelivery : Delivery
{
    private readonly MemoryConsumer _consumer;
    private readonly MemoryEntry _entry;

    public MemoryDelivery(MemoryConsumer consumer, MemoryEntry entry, Message message)
        : base(message)
    {
        _consumer = consumer;
        _entry = entry;
    }

    public override ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        if (_consumer.Settle(this))
        {
            _consumer.Group.Settled();
        }

        return default;
    }

    public override ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
    {
        if (_consumer.Settle(this))
        {
            _consumer.Group.Redeliver(_entry, redeliverAfter);
        }

        return default;
    }

    /// <summary>The consumer closed before this was settled: back to the group at once.</summary>
    internal void Release() => _consumer.Group.Redeliver(_entry, TimeSpan.Zero);
}
