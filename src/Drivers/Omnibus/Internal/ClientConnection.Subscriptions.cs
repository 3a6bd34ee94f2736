using System.Collections.Concurrent;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// The subscriptions of this connection, each a kit <see cref="DeliveryBuffer"/> the read loop writes into. A
/// subscription lives and dies with its connection: when the connection drops, its buffer fails with
/// <see cref="ConnectionLostException"/> and the core subscribes again (on a new connection) with its backoff.
/// </summary>
internal sealed partial class ClientConnection
{
    private readonly ConcurrentDictionary<uint, Subscribed> _subscriptions = new();
    private int _nextSubscriptionId;

    /// <summary>Subscribes with <paramref name="credit"/>; completes once the server has joined the group.</summary>
    /// <exception cref="OmnibusServerException">The server refused (forbidden topic, invalid options, too many subscriptions).</exception>
    public async Task<IDeliverySource> SubscribeAsync(ConsumerSpec spec, int credit, CancellationToken cancellationToken)
    {
        var id = (uint)Interlocked.Increment(ref _nextSubscriptionId);

        // The server never has more than the credit unsettled, so the buffer never holds more than that either.
        var buffer = new DeliveryBuffer(credit, () => UnsubscribeAsync(id));
        _subscriptions[id] = new Subscribed(spec, buffer);
        try
        {
            await Request(Opcode.Subscribe, new PendingRequest(Opcode.Ok), (Id: id, Spec: spec, Credit: credit), static (b, s) =>
            {
                b.WriteUInt32(s.Id);
                b.WriteString(s.Spec.Topic);
                b.WriteString(s.Spec.Group);
                b.WriteByte((byte)s.Spec.StartFrom);
                b.WriteByte((byte)s.Spec.Ordering);
                b.WriteVarint((ulong)s.Spec.Options.Concurrency);
                b.WriteVarint((ulong)s.Spec.MaxDeliveryAttempts);
                b.WriteNullableString(s.Spec.Options.DeadLetterTopic);
                b.WriteVarint((ulong)s.Credit);
            }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        catch (OmnibusServerException)
        {
            _subscriptions.TryRemove(id, out _); // refused: the server holds nothing for it
            throw;
        }
        catch
        {
            // Cancelled (or the connection failed) while the server may already have subscribed: unsubscribe if it can
            // still be sent, so that nothing stays held for it.
            await buffer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A DELIVER from the read loop. One for a subscription closed meanwhile is released by the server on UNSUBSCRIBE.</summary>
    private void Deliver(uint subscriptionId, ulong tag, Message message)
    {
        if (_subscriptions.TryGetValue(subscriptionId, out var subscribed) && !subscribed.Buffer.TryWrite(new ClientDelivery(this, tag, message)))
        {
            throw new ProtocolException(ErrorCode.MalformedFrame, $"The server sent subscription {subscriptionId} more deliveries than its credit.");
        }
    }

    /// <summary>The server ended a subscription (its broker closed the consumer): the core subscribes again.</summary>
    private void EndSubscription(uint subscriptionId, OmnibusServerException reason)
    {
        if (_subscriptions.TryRemove(subscriptionId, out var ended))
        {
            Log.SubscriptionEnded(_logger, ended.Spec.Topic, ended.Spec.Group, reason.Message);
            ended.Buffer.Fail(new ConnectionLostException("omnibus", $"The server ended the subscription to topic '{ended.Spec.Topic}', group '{ended.Spec.Group}': {reason.Message}", reason));
        }
    }

    /// <summary>Ends every subscription with the connection: normally when the driver closed it, else as lost.</summary>
    private void EndSubscriptions(Exception reason)
    {
        foreach (var (id, subscribed) in _subscriptions)
        {
            if (reason is BrokerClosedException)
            {
                _ = subscribed.Buffer.DisposeAsync();
            }
            else
            {
                _subscriptions.TryRemove(id, out _);
                subscribed.Buffer.Fail(new ConnectionLostException("omnibus", $"The connection to {_settings} was lost: {reason.Message}", reason));
            }
        }
    }

    /// <summary>The buffer's close hook: UNSUBSCRIBE makes the server hand back what is unsettled.</summary>
    private async ValueTask UnsubscribeAsync(uint id)
    {
        if (!_subscriptions.TryRemove(id, out _) || !IsOpen)
        {
            return; // the connection is gone, and the server released everything of this subscription with it
        }

        try
        {
            await Request(Opcode.Unsubscribe, new PendingRequest(Opcode.Ok), id, static (b, i) => b.WriteUInt32(i))
                .WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OmnibusException or IOException or TimeoutException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Refused (it never subscribed), unanswered, or the connection went away meanwhile: nothing is lost, the
            // server hands back what it holds for the subscription at the latest when the connection closes.
        }
    }

    private readonly record struct Subscribed(ConsumerSpec Spec, DeliveryBuffer Buffer);
}
