namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// A delivery received from the server; settling sends ACK or NACK with its tag on the connection it came from.
/// If that connection has closed, the server has already handed the message back to the group, so settling does nothing.
/// </summary>
internal sealed class ClientDelivery : Delivery
{
    private readonly ClientConnection _connection;
    private readonly ulong _tag;

    public ClientDelivery(ClientConnection connection, ulong tag, Message message)
        : base(message)
    {
        _connection = connection;
        _tag = tag;
    }

    // The server counts the attempt on STARTED; the handler runs once that frame is on the wire.
    protected override ValueTask OnStartingAsync()
    {
        var written = _connection.StartedAsync(_tag);
        return written.IsCompletedSuccessfully ? default : new ValueTask(written);
    }

    protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
    {
        _connection.Ack(_tag);
        return default;
    }

    protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
    {
        _connection.Nack(_tag, redeliverAfter);
        return default;
    }

    /// <summary>
    /// Nothing to send: a delivery is released only when its subscription closes, and the server hands back every
    /// unsettled delivery itself on UNSUBSCRIBE, on SUBSCRIPTION_ENDED and when the connection drops (docs/protocol.md).
    /// </summary>
    protected override ValueTask OnReleaseAsync() => default;
}
