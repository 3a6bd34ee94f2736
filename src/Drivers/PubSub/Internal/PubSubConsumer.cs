using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// One member of a group: a StreamingPull on the group's subscription whose flow control (max outstanding messages
/// and bytes) is the member's prefetch, feeding the kit's <see cref="DeliveryBuffer"/>; acks go through an
/// <see cref="AckBatcher"/>, and a lease timer extends (ModifyAckDeadline) every delivery held longer than a third of
/// the ack deadline, buffered or in a handler. The stream ending for any reason but the member closing ends the member
/// with <see cref="ConnectionLostException"/>, and the core reopens it with its backoff.
/// </summary>
internal sealed class PubSubConsumer : IDeliverySource
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    /// <summary>How long a closing member waits for the service to end its stream after the half-close.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _pullEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IClientStreamWriter<StreamingPullRequest>? _requests;
    private readonly List<PubSubDelivery> _handedBack = [];
    private bool _handBackSent;
    private long _received;
    private readonly PubSubApi _api;
    private readonly PubSubSettings _settings;
    private readonly LocalAttempts? _localAttempts;
    private readonly ILogger _log;
    private readonly Action<PubSubConsumer> _onClosed;
    private readonly DeliveryBuffer _buffer;
    private readonly AckBatcher _acks;
    private readonly CancellationTokenSource _abort = new();
    private readonly LinkedList<PubSubDelivery> _leases = new();
    private readonly object _leaseLock = new();
    private readonly int _maxMessages;
    private readonly long _leaseRenewAfterMs;
    private readonly Timer _leaseTimer;
    private int _closed;

    // localAttempts counts attempts in this process when the subscription has no dead-letter policy (the service then counts none).
    public PubSubConsumer(PubSubApi api, PubSubSettings settings, string subscription, ConsumerSpec spec, LocalAttempts? localAttempts, ILogger log, Action<PubSubConsumer> onClosed)
    {
        _api = api;
        _settings = settings;
        Subscription = subscription;
        Spec = spec;
        _localAttempts = localAttempts;
        _log = log;
        _onClosed = onClosed;
        _maxMessages = settings.MaxOutstandingMessages ?? spec.Prefetch;
        _buffer = new DeliveryBuffer(_maxMessages, CloseAsync);
        _acks = new AckBatcher(api, subscription, log);
        _leaseRenewAfterMs = settings.AckDeadlineSeconds * 1000L / 3;
        var tick = TimeSpan.FromMilliseconds(Math.Max(250, _leaseRenewAfterMs / 4));
        _leaseTimer = new Timer(_ => _ = ExtendLeasesAsync(), null, tick, tick);
    }

    /// <summary>The subscription's full path.</summary>
    public string Subscription { get; }

    public ConsumerSpec Spec { get; }

    /// <summary>Deliveries received and not yet settled (buffered or in a handler).</summary>
    public int Unsettled
    {
        get
        {
            lock (_leaseLock)
            {
                return _leases.Count;
            }
        }
    }

    /// <summary>Starts pulling; call once.</summary>
    public void Start() => _ = Task.Run(PullLoopAsync);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => _buffer.TryRead(out delivery);

    public ValueTask DisposeAsync() => _buffer.DisposeAsync();

    /// <summary>The driver is closing: stop at once.</summary>
    public async ValueTask AbortAsync()
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        await _buffer.DisposeAsync().ConfigureAwait(false);
    }

    internal ValueTask AckAsync(PubSubDelivery delivery)
    {
        Settled(delivery);
        _localAttempts?.Forget(Subscription, delivery.ServiceMessageId);
        return _acks.AckAsync(delivery.AckId);
    }

    /// <summary>
    /// Gives the delivery back for redelivery after <paramref name="delay"/>: a deadline of that many seconds (rounded
    /// up), or for less than a second a wait here and then a deadline of 0.
    /// </summary>
    internal ValueTask NackAsync(PubSubDelivery delivery, TimeSpan delay)
    {
        Settled(delivery);

        // An ordered subscription retries in place: a nack without delay comes only from a member that stops.
        if (delay <= TimeSpan.Zero && Spec.Ordering == MessageOrdering.ByKey)
        {
            return HandBackAsync(delivery);
        }

        if (delay <= TimeSpan.Zero || delay >= TimeSpan.FromSeconds(1))
        {
            var seconds = delay <= TimeSpan.Zero ? 0 : (int)Math.Min(600, Math.Ceiling(delay.TotalSeconds));
            return new ValueTask(SetDeadlineAsync(delivery, seconds));
        }

        _ = HandBackLaterAsync(delivery, delay);
        return default;
    }

    /// <summary>
    /// A delivery this closing member gives back: held until its stream has ended, then given back with the others in
    /// the order they were received. Sent at once, the service would redeliver it into the stream that is closing, and
    /// given back one by one, in whatever order the calls arrive, a key's messages could come back out of order.
    /// </summary>
    internal ValueTask HandBackAsync(PubSubDelivery delivery)
    {
        Settled(delivery);
        lock (_handedBack)
        {
            if (!_handBackSent)
            {
                _handedBack.Add(delivery);
                return default;
            }
        }

        return new ValueTask(SetDeadlineAsync(delivery, 0));
    }

    private async Task SendHandedBackAsync()
    {
        PubSubDelivery[] held;
        lock (_handedBack)
        {
            _handBackSent = true;
            held = [.. _handedBack.OrderBy(d => d.Sequence)];
            _handedBack.Clear();
        }

        foreach (var chunk in held.Chunk(AckBatcher.MaxIds))
        {
            try
            {
                await _api.ModifyAckDeadlineAsync(Subscription, chunk.Select(d => d.AckId), 0, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.HandBackFailed(_log, chunk.Length, Subscription, e.Message);
            }
        }
    }

    private async Task HandBackLaterAsync(PubSubDelivery delivery, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false); // the requested redelivery delay itself (under a second)
        await SetDeadlineAsync(delivery, 0).ConfigureAwait(false);
    }

    private async Task SetDeadlineAsync(PubSubDelivery delivery, int seconds)
    {
        try
        {
            await _api.ModifyAckDeadlineAsync(Subscription, [delivery.AckId], seconds, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Its deadline runs out by itself: the service redelivers it then.
            Log.HandBackFailed(_log, 1, Subscription, e.Message);
        }
    }

    private void Settled(PubSubDelivery delivery)
    {
        lock (_leaseLock)
        {
            if (delivery.LeaseNode is { } node)
            {
                _leases.Remove(node);
                delivery.LeaseNode = null;
            }
        }
    }

    private async Task PullLoopAsync()
    {
        var token = _abort.Token;
        try
        {
            using var call = _api.StreamingPull(token);
            _requests = call.RequestStream;
            await WriteAsync(new StreamingPullRequest
            {
                Subscription = Subscription,
                StreamAckDeadlineSeconds = _settings.AckDeadlineSeconds,
                ClientId = Guid.NewGuid().ToString("N"),
                MaxOutstandingMessages = _maxMessages,
                MaxOutstandingBytes = _settings.MaxOutstandingBytes,
            }, token).ConfigureAwait(false);
            Log.PullOpened(_log, Subscription, _settings.Address);
            _ = HeartbeatAsync(token);
            while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
            {
                foreach (var received in call.ResponseStream.Current.ReceivedMessages)
                {
                    var attempt = received.DeliveryAttempt > 0 ? received.DeliveryAttempt : _localAttempts?.Next(Subscription, received.Message.MessageId) ?? 1;
                    var delivery = new PubSubDelivery(received.AckId, received.Message.MessageId, MessageMapping.FromWire(received, Spec.Topic, attempt), this)
                    {
                        Sequence = ++_received,
                    };
                    lock (_leaseLock)
                    {
                        delivery.LeaseNode = _leases.AddLast(delivery);
                    }

                    // A closed buffer releases it (deadline 0).
                    await _buffer.WriteAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                }
            }

            if (Volatile.Read(ref _closed) == 0)
            {
                throw new IOException("the service ended the stream");
            }
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                var reason = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                Log.PullStopped(_log, Subscription, reason);
                _buffer.Fail(new ConnectionLostException(PubSubSettings.Scheme, $"The streaming pull on {Subscription} stopped: {reason}", e));
            }
        }
        catch (Exception)
        {
            // Aborted: the member or the driver closes.
        }
        finally
        {
            _pullEnded.TrySetResult();
        }
    }

    /// <summary>Writes on the request stream, one writer at a time (gRPC allows no concurrent writes).</summary>
    private async Task WriteAsync(StreamingPullRequest request, CancellationToken token)
    {
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await _requests!.WriteAsync(request, token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Ends the stream from this side and waits (briefly) for the service to end it too. Cancelling alone is not
    /// enough: the emulator keeps a cancelled stream as a member and goes on sending to it, so the group's next member
    /// would wait out the ack deadline of everything sent there.
    /// </summary>
    private async Task HalfCloseAsync()
    {
        if (_requests is { } requests)
        {
            try
            {
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await requests.CompleteAsync().ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }

                await _pullEnded.Task.WaitAsync(CloseWait).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The stream is gone already, or the service did not end it in time: cancelled below.
            }
        }
    }

    /// <summary>An empty request now and then keeps an idle stream from being closed by proxies and the service.</summary>
    private async Task HeartbeatAsync(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(Heartbeat, token).ConfigureAwait(false); // the heartbeat period
                await WriteAsync(new StreamingPullRequest(), token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The stream ended: the pull loop reports it.
        }
    }

    private async Task ExtendLeasesAsync()
    {
        List<string>? due = null;
        var now = Environment.TickCount64;
        lock (_leaseLock)
        {
            foreach (var delivery in _leases)
            {
                if (now - delivery.LeaseRenewedAt >= _leaseRenewAfterMs)
                {
                    delivery.LeaseRenewedAt = now;
                    (due ??= []).Add(delivery.AckId);
                }
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var chunk in due.Chunk(AckBatcher.MaxIds))
        {
            try
            {
                await _api.ModifyAckDeadlineAsync(Subscription, chunk, _settings.AckDeadlineSeconds, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.LeaseExtensionFailed(_log, chunk.Length, Subscription, e.Message);
            }
        }
    }

    private async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        await _leaseTimer.DisposeAsync().ConfigureAwait(false);
        await _acks.CompleteAsync().ConfigureAwait(false);
        await HalfCloseAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        await SendHandedBackAsync().ConfigureAwait(false);
        _onClosed(this);
    }
}
