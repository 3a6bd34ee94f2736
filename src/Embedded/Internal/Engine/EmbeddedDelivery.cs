using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>One hand-over of a record. Identified by a token, so a late settlement of a redelivered record does nothing.</summary>
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

    public override ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        var durable = _group.AckAsync(this);
        return durable.IsCompletedSuccessfully ? default : new ValueTask(durable.WaitAsync(cancellationToken));
    }

    public override ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
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
