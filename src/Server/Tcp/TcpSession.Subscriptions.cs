using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Protocol;

namespace Omnibus.Server.Tcp;

/// <summary>
/// Subscriptions: the server consumes from the served broker at the driver level on the client's behalf and forwards
/// each delivery with a connection-wide tag; the client's own core decides ack, nack, attempts and dead-lettering.
/// </summary>
internal sealed partial class TcpSession
{
    private readonly Dictionary<uint, ServerSubscription> _subscriptions = [];
    private readonly Dictionary<ulong, (ServerSubscription Subscription, Delivery Delivery)> _unsettled = [];
    private ulong _nextTag;
    private volatile bool _reportsStarts;

    /// <summary>
    /// Forwards one delivery to the client; its tag stays unsettled until ACK, NACK or the close. Its attempt counts
    /// when the client reports that a handler starts on it (STARTED), or now for a client that does not report starts.
    /// </summary>
    internal void SendDelivery(ServerSubscription subscription, Delivery delivery)
    {
        ulong tag;
        lock (_unsettled)
        {
            tag = ++_nextTag;
            _unsettled.Add(tag, (subscription, delivery));
        }

        if (!_reportsStarts)
        {
            Start(tag, delivery);
        }

        var message = delivery.Message;
        using var frame = _outbox.Begin(Opcode.Deliver, 0);
        frame.Builder.WriteUInt32(subscription.Id);
        frame.Builder.WriteVarint(tag);
        frame.Builder.WriteVarint((ulong)Math.Max(message.DeliveryAttempt, 1));
        frame.Builder.WriteString(message.Topic.Length > 0 ? message.Topic : subscription.Options.Topic);
        frame.Builder.WriteMessage(message);
    }

    /// <summary>
    /// The broker ended a subscription on its own: tell the client (its core subscribes again), and hand what the
    /// subscription held unsettled back to the broker, as an unsubscribe would: the client lets go of those deliveries.
    /// </summary>
    internal void SubscriptionEnded(ServerSubscription subscription, ErrorCode code, string reason)
    {
        lock (_subscriptions)
        {
            if (!_subscriptions.Remove(subscription.Id))
            {
                return; // unsubscribed or closing: nothing to report
            }
        }

        Log.SubscriptionFailed(_logger, subscription.Id, Id, subscription.Options.Topic, reason);
        try
        {
            using var frame = _outbox.Begin(Opcode.SubscriptionEnded, 0);
            frame.Builder.WriteUInt32(subscription.Id);
            frame.Builder.WriteUInt16((ushort)code);
            frame.Builder.WriteString(reason);
        }
        catch (IOException)
        {
            // Closing: the client re-subscribes when it reconnects.
        }

        // Called from the subscription's own pump: stopping waits for the pump to return, so it is not awaited here.
        _ = StopAsync(subscription);
    }

    internal Outbox Outbox => _outbox;

    private void Subscribe(uint requestId, ref FrameReader reader)
    {
        var subscriptionId = reader.ReadUInt32();
        var topic = reader.ReadString("topic");
        var group = reader.ReadString("group");
        var startFrom = reader.ReadByte();
        var ordering = reader.ReadByte();
        var concurrency = reader.ReadVarint32(int.MaxValue, "concurrency");
        var maxAttempts = reader.ReadVarint32(int.MaxValue, "max attempts");
        var deadLetterTopic = reader.ReadNullableString("dead-letter topic");
        var credit = reader.ReadVarint32(int.MaxValue, "credit");
        reader.End();
        var options = new SubscriptionOptions(topic, group)
        {
            StartFrom = (StartPosition)startFrom,
            Ordering = (MessageOrdering)ordering,
            Concurrency = concurrency,
            MaxDeliveryAttempts = maxAttempts,
            DeadLetterTopic = deadLetterTopic,
        };
        try
        {
            options.Validate();
        }
        catch (OmnibusConfigurationException e)
        {
            Reply(requestId, ErrorCode.InvalidRequest, e.Message);
            return;
        }

        if (!MayRead(requestId, topic))
        {
            return;
        }

        ServerSubscription subscription;
        lock (_subscriptions)
        {
            if (_subscriptions.ContainsKey(subscriptionId))
            {
                Reply(requestId, ErrorCode.UnknownSubscription, $"Subscription id {subscriptionId} is already in use on this connection.");
                return;
            }

            if (_subscriptions.Count >= _options.MaxSubscriptionsPerConnection)
            {
                _stats.Reject();
                Reply(requestId, ErrorCode.TooManySubscriptions, $"This connection already holds MaxSubscriptionsPerConnection ({_options.MaxSubscriptionsPerConnection}) subscriptions; close one or open another connection.");
                return;
            }

            subscription = new ServerSubscription(this, subscriptionId, options, _options.MaxCredits);
            subscription.Grant(credit);
            _subscriptions.Add(subscriptionId, subscription);
        }

        _ = OpenAsync(requestId, subscription);
    }

    private async Task OpenAsync(uint requestId, ServerSubscription subscription)
    {
        try
        {
            var source = await _broker.OpenDeliveriesAsync(subscription.Options, cancellationToken: _closing.Token).ConfigureAwait(false);
            if (!subscription.Start(source))
            {
                await source.DisposeAsync().ConfigureAwait(false);
                Reply(requestId, ErrorCode.UnknownSubscription, $"Subscription {subscription.Id} was closed while it opened.");
                return;
            }

            ReplyOk(requestId);
        }
        catch (Exception e)
        {
            lock (_subscriptions)
            {
                _subscriptions.Remove(subscription.Id);
            }

            Reply(requestId, e is OmnibusConfigurationException ? ErrorCode.InvalidRequest : ErrorCode.BrokerFailure, e.Message);
        }
    }

    private void Credit(ref FrameReader reader)
    {
        var subscriptionId = reader.ReadUInt32();
        var credit = reader.ReadVarint32(int.MaxValue, "credit");
        reader.End();
        ServerSubscription? subscription;
        lock (_subscriptions)
        {
            _subscriptions.TryGetValue(subscriptionId, out subscription);
        }

        // An unknown id is a subscription that just closed: credit for it means nothing any more.
        subscription?.Grant(credit);
    }

    private void Ack(ref FrameReader reader)
    {
        var count = reader.ReadVarint32(reader.Remaining, "tag count");
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadVarint();
            if (Take(tag) is { } delivery)
            {
                Settle(tag, delivery.AckAsync(_closing.Token));
            }
        }

        reader.End();
    }

    private void Nack(ref FrameReader reader)
    {
        var tag = reader.ReadVarint();
        var delayMs = reader.ReadVarint();
        reader.ReadNullableString("reason");
        reader.End();
        if (Take(tag) is { } delivery)
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(delayMs, (ulong)TimeSpan.FromDays(365).TotalMilliseconds));
            Settle(tag, delivery.NackAsync(delay, _closing.Token));
        }
    }

    /// <summary>REPORT_STARTS: this client sends STARTED before its handlers run, so attempts count then.</summary>
    private void ReportStarts(ref FrameReader reader)
    {
        reader.End();
        _reportsStarts = true;
    }

    /// <summary>STARTED: handlers are about to run on these tags; unknown tags (settled, or of a closed subscription) are ignored.</summary>
    private void Started(ref FrameReader reader)
    {
        var count = reader.ReadVarint32(reader.Remaining, "tag count");
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadVarint();
            Delivery? delivery;
            lock (_unsettled)
            {
                delivery = _unsettled.TryGetValue(tag, out var entry) ? entry.Delivery : null;
            }

            if (delivery is not null)
            {
                Start(tag, delivery);
            }
        }

        reader.End();
    }

    private void Start(ulong tag, Delivery delivery)
    {
        var starting = delivery.StartingAsync();
        if (!starting.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(tag, starting, Log.StartFailed);
        }
    }

    /// <summary>Removes an unsettled tag and returns its credit; null for a tag that is unknown (already settled, or of a closed subscription).</summary>
    private Delivery? Take(ulong tag)
    {
        (ServerSubscription Subscription, Delivery Delivery) entry;
        lock (_unsettled)
        {
            if (!_unsettled.Remove(tag, out entry))
            {
                return null;
            }
        }

        entry.Subscription.Settled();
        return entry.Delivery;
    }

    private void Settle(ulong tag, ValueTask settling)
    {
        if (settling.IsCompletedSuccessfully)
        {
            return;
        }

        _ = ObserveAsync(tag, settling, Log.SettleFailed);
    }

    private async Task ObserveAsync(ulong tag, ValueTask pending, Action<ILogger, ulong, string, string> failed)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failed(_logger, tag, Id, e.Message);
        }
    }

    private void Unsubscribe(uint requestId, ref FrameReader reader)
    {
        var subscriptionId = reader.ReadUInt32();
        reader.End();
        ServerSubscription? subscription;
        lock (_subscriptions)
        {
            _subscriptions.Remove(subscriptionId, out subscription);
        }

        if (subscription is null)
        {
            Reply(requestId, ErrorCode.UnknownSubscription, $"Subscription id {subscriptionId} is not open on this connection.");
            return;
        }

        _ = UnsubscribeAsync(requestId, subscription);
    }

    private async Task UnsubscribeAsync(uint requestId, ServerSubscription subscription)
    {
        await StopAsync(subscription).ConfigureAwait(false);
        ReplyOk(requestId);
    }

    /// <summary>Stops forwarding, hands the subscription's unsettled deliveries back to the broker and forgets their tags.</summary>
    private async Task StopAsync(ServerSubscription subscription)
    {
        await subscription.StopAsync().ConfigureAwait(false);
        lock (_unsettled)
        {
            foreach (var (tag, entry) in _unsettled)
            {
                if (entry.Subscription == subscription)
                {
                    _unsettled.Remove(tag);
                }
            }
        }
    }

    private async Task CloseSubscriptionsAsync()
    {
        ServerSubscription[] all;
        lock (_subscriptions)
        {
            all = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        await Task.WhenAll(all.Select(StopAsync)).ConfigureAwait(false);
    }
}
