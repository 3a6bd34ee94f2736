namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// A delivery received from the server; settling sends ACK or NACK with its tag on the connection it came from.
/// Only the first settlement counts. If that connection has closed, the server has already handed the message back
/// to the group, so settling does nothing.
/// </summary>
internal sealed class ClientDelivery : Delivery
{
    private readonly ClientConnection _connection;
    private readonly ulong _tag;
    private int _settled;

    public ClientDelivery(ClientConnection connection, ulong tag, Message message)
        : base(message)
    {
        _connection = connection;
        _tag = tag;
    }

    public override ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _connection.Ack(_tag);
        }

        return default;
    }

    public override ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _connection.Nack(_tag, redeliverAfter);
        }

        return default;
    }
}
