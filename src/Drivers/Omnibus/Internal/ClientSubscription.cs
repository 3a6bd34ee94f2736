using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// One consumer: the deliveries the server pushes for it, read by the core. The server sends at most
/// <see cref="Credit"/> unsettled deliveries, so the queue here stays within the credit. It survives reconnections:
/// the driver subscribes it again on each new connection under the same id, and deliveries still queued from the
/// old connection are dropped (the server released them on the close, so they come again).
/// </summary>
internal sealed class ClientSubscription : IDeliverySource
{
    private readonly OmnibusDriver _driver;
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly object _lock = new();
    private ClientConnection? _connection;
    private bool _closed;

    public ClientSubscription(OmnibusDriver driver, uint id, SubscriptionOptions options, int credit)
    {
        _driver = driver;
        Id = id;
        Options = options;
        Credit = credit;
    }

    public uint Id { get; }

    public SubscriptionOptions Options { get; }

    public int Credit { get; }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _deliveries.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => _deliveries.Reader.TryRead(out delivery);

    /// <summary>Subscribes on <paramref name="connection"/> unless already subscribed there (or closed).</summary>
    public async Task BindAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_closed || _connection == connection)
            {
                return;
            }

            _connection = connection;
        }

        DropStale();
        var credit = Math.Min(Credit, connection.MaxCredits);
        await connection.Request(Opcode.Subscribe, new PendingRequest(Opcode.Ok), (Subscription: this, Credit: credit), static (b, s) =>
        {
            var o = s.Subscription.Options;
            b.WriteUInt32(s.Subscription.Id);
            b.WriteString(o.Topic);
            b.WriteString(o.Group);
            b.WriteByte((byte)o.StartFrom);
            b.WriteByte((byte)o.Ordering);
            b.WriteVarint((ulong)o.Concurrency);
            b.WriteVarint((ulong)o.MaxDeliveryAttempts);
            b.WriteNullableString(o.DeadLetterTopic);
            b.WriteVarint((ulong)s.Credit);
        }).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A delivery arrived on <paramref name="connection"/>.</summary>
    public void Enqueue(ClientConnection connection, Delivery delivery)
    {
        if (Volatile.Read(ref _connection) == connection)
        {
            _deliveries.Writer.TryWrite(delivery);
        }
    }

    /// <summary>The server ended the subscription (its broker closed it): the source ends.</summary>
    public void EndedByServer(ClientConnection connection, Exception reason)
    {
        if (Volatile.Read(ref _connection) != connection)
        {
            return;
        }

        _driver.Forget(this, reason);
        Complete(reason);
    }

    /// <summary>Ends the source with an error (it could not be resumed).</summary>
    public void Complete(Exception? reason)
    {
        lock (_lock)
        {
            _closed = true;
        }

        _deliveries.Writer.TryComplete(reason);
    }

    /// <summary>Unsubscribes: the server hands every delivery not settled yet back to the group.</summary>
    public async ValueTask DisposeAsync()
    {
        ClientConnection? connection;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            connection = _connection;
        }

        _driver.Forget(this, null);
        _deliveries.Writer.TryComplete();
        if (connection is { IsOpen: true })
        {
            try
            {
                await connection.Request(Opcode.Unsubscribe, new PendingRequest(Opcode.Ok), Id, static (b, id) => b.WriteUInt32(id))
                    .WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OmnibusException or IOException or TimeoutException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // The connection went away: the server released everything of this subscription with it.
            }
        }

        while (_deliveries.Reader.TryRead(out _))
        {
            // Unread deliveries were released by the unsubscribe; forget them.
        }
    }

    /// <summary>Deliveries still queued from the old connection: the server released them when it closed, so they come again.</summary>
    private void DropStale()
    {
        while (_deliveries.Reader.TryRead(out _))
        {
        }
    }
}
