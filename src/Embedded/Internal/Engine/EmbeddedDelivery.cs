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

    protected override ValueTask OnStartingAsync()
    {
        try
        {
            _group.Started(this);
            return default;
        }
        catch (StorageException e)
        {
            return ValueTask.FromException(e);
        }
    }

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

    /// <summary>
    /// Hands the delivery back as its consumer closes. On a stopped engine nothing can be recorded and nothing needs to
    /// be: the delivery was never acknowledged, so it is offered again when the data directory is reopened; closing
    /// must not fail for it (the cause is already reported by the engine's health and every settle).
    /// </summary>
    protected override ValueTask OnReleaseAsync()
    {
        try
        {
            _group.Nack(this, TimeSpan.Zero);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.EngineStopped)
        {
            // Not settled, so redelivered after a reopen: nothing is lost by leaving it.
        }

        return default;
    }
}
