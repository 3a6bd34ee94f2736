using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// One hand-over of a record. Settled once (the kit's <see cref="Delivery"/>); identified by a token as well, so a
/// settlement that arrives after the group took the record back (visibility timeout, consumer closed) does nothing.
/// </summary>
internal sealed class EmbeddedDelivery : Delivery
{
    private readonly ConsumerGroup _group;

    public EmbeddedDelivery(ConsumerGroup group, EmbeddedConsumer consumer, int partition, long offset, long token, Message message)
        : base(message)
    {
        _group = group;
        Consumer = consumer;
        Partition = partition;
        Offset = offset;
        Token = token;
    }

    public EmbeddedConsumer Consumer { get; }

    public int Partition { get; }

    public long Offset { get; }

    public long Token { get; }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        var durable = _group.AckAsync(this);
        return durable.IsCompletedSuccessfully ? default : new ValueTask(durable.WaitAsync(cancellationToken));
    }

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        try
        {
            _group.Nack(this, redeliverAfter);
            return default;
        }
        catch (StorageException e)
        {
            return ValueTask.FromException(e);
        }
    }
}
