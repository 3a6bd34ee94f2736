using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// One member of a group: a pull loop on the group's durable consumer that fetches at most <c>batch</c> messages per
/// request into the kit's <see cref="DeliveryBuffer"/> (so it waits, and asks for nothing more, while the buffer is
/// full), and a lease timer that sends in-progress acks for deliveries held longer than a third of the ack wait.
/// A lost connection or a failed pull ends it with <see cref="ConnectionLostException"/>; the core then reopens it.
/// On close the last pull request is drained for up to <c>pullExpires</c>. What is handed back meanwhile (the buffered
/// deliveries and what the open request still brings) is held and naked only when that request has ended: a nak sent
/// while it is open would be redelivered into it at once, and each such round trip counts a delivery attempt, so a
/// message could cycle through a closing member until the core dead-letters it unhandled. Nothing waits for the ack
/// wait to run out.
/// </summary>
internal sealed class NatsConsumer : IDeliverySource
{
    private readonly INatsJSConsumer _consumer;
    private readonly ILogger _log;
    private readonly Action<NatsConsumer> _onClosed;
    private readonly DeliveryBuffer _buffer;
    private readonly CancellationTokenSource _abort = new();
    private readonly LinkedList<NatsDelivery> _leases = new();
    private readonly object _leaseLock = new();
    private readonly NatsJSFetchOpts _fetch;
    private readonly TimeSpan _expires;
    private readonly long _leaseRenewAfterMs;
    private readonly Timer _leaseTimer;
    private readonly List<NatsDelivery> _handedBack = [];
    private bool _pullEnded;
    private int _closed;

    public NatsConsumer(INatsJSConsumer consumer, string stream, ConsumerSpec spec, int batch, TimeSpan pullExpires, TimeSpan ackWait, ILogger log, Action<NatsConsumer> onClosed)
    {
        _consumer = consumer;
        Stream = stream;
        Spec = spec;
        _log = log;
        _onClosed = onClosed;
        _expires = pullExpires;
        _fetch = new NatsJSFetchOpts
        {
            MaxMsgs = batch,
            Expires = pullExpires,
            IdleHeartbeat = TimeSpan.FromMilliseconds(Math.Max(500, pullExpires.TotalMilliseconds / 4)),
        };
        _buffer = new DeliveryBuffer(batch, CloseAsync);
        _leaseRenewAfterMs = (long)Math.Max(100, ackWait.TotalMilliseconds / 3);
        var tick = TimeSpan.FromMilliseconds(Math.Max(50, _leaseRenewAfterMs / 2));
        _leaseTimer = new Timer(_ => ExtendLeases(), null, tick, tick);
    }

    public string Stream { get; }

    public string Name => _consumer.Info.Name;

    public ConsumerSpec Spec { get; }

    /// <summary>Starts pulling; call once.</summary>
    public void Start() => _ = Task.Run(PullLoopAsync);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => _buffer.TryRead(out delivery);

    public ValueTask DisposeAsync() => _buffer.DisposeAsync();

    /// <summary>The connection is gone: what this member holds can no longer be settled here; the core reopens it.</summary>
    public void ConnectionLost(string reason)
    {
        _abort.Cancel();
        _buffer.Fail(new ConnectionLostException(NatsSettings.Scheme, $"The NATS connection of consumer {Name} on stream {Stream} was lost: {reason}"));
    }

    /// <summary>The driver is closing: stop at once (the connection closes next).</summary>
    public async ValueTask AbortAsync()
    {
        _abort.Cancel();
        await _buffer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Hands <paramref name="delivery"/> back to the group: held while this member's pull request is still open (see
    /// the class summary), else naked now.
    /// </summary>
    internal ValueTask HandBackAsync(NatsDelivery delivery)
    {
        lock (_handedBack)
        {
            if (!_pullEnded)
            {
                _handedBack.Add(delivery);
                return default;
            }
        }

        return delivery.NakNowAsync();
    }

    internal void Settled(NatsDelivery delivery)
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
            while (Volatile.Read(ref _closed) == 0 && !token.IsCancellationRequested)
            {
                var received = 0;
                var started = Environment.TickCount64;
                await foreach (var msg in _consumer.FetchAsync(_fetch, NatsRawSerializer<byte[]>.Default, token).ConfigureAwait(false))
                {
                    received++;
                    var delivery = new NatsDelivery(msg, MessageMapping.FromDelivery(msg, Spec.Topic), this);
                    lock (_leaseLock)
                    {
                        delivery.LeaseNode = _leases.AddLast(delivery);
                    }

                    // A closed buffer releases it (Nak): the drain of a closed member hands everything straight back.
                    await _buffer.WriteAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                }

                // A pull request ends with messages, or at its expiry. One that ends early and empty means the server
                // did not answer it (heartbeats missing, no responders): reopening with the core's backoff, rather than
                // pulling again at once, is what keeps this from spinning while the server is away.
                if (received == 0 && Volatile.Read(ref _closed) == 0 && Environment.TickCount64 - started < _expires.TotalMilliseconds / 2)
                {
                    throw new NatsJSException("the pull request ended early without messages (server not answering)");
                }
            }
        }
        catch (Exception e) when (!token.IsCancellationRequested || e is not OperationCanceledException)
        {
            if (Volatile.Read(ref _closed) == 0 && !token.IsCancellationRequested)
            {
                Log.PullStopped(_log, Name, Stream, e.Message);
                _buffer.Fail(new ConnectionLostException(NatsSettings.Scheme, $"Pulling from consumer {Name} on stream {Stream} failed: {e.Message}", e));
            }
        }
        catch (OperationCanceledException)
        {
            // Aborted: the connection is lost or the driver closes.
        }
        finally
        {
            await NakHandedBackAsync().ConfigureAwait(false);
        }
    }

    private async Task NakHandedBackAsync()
    {
        NatsDelivery[] held;
        lock (_handedBack)
        {
            _pullEnded = true;
            held = [.. _handedBack];
            _handedBack.Clear();
        }

        foreach (var delivery in held)
        {
            try
            {
                await delivery.NakNowAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The connection is gone: the server redelivers it when its ack wait runs out.
                Log.HandBackFailed(_log, Name, e.Message);
            }
        }
    }

    private void ExtendLeases()
    {
        List<NatsDelivery>? due = null;
        var now = Environment.TickCount64;
        lock (_leaseLock)
        {
            foreach (var delivery in _leases)
            {
                if (now - delivery.LeaseRenewedAt >= _leaseRenewAfterMs)
                {
                    delivery.LeaseRenewedAt = now;
                    (due ??= []).Add(delivery);
                }
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var delivery in due)
        {
            if (!delivery.IsSettled)
            {
                _ = ExtendAsync(delivery);
            }
        }
    }

    private async Task ExtendAsync(NatsDelivery delivery)
    {
        try
        {
            await delivery.ExtendLeaseAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.LeaseExtensionFailed(_log, Name, e.Message);
        }
    }

    private async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        await _leaseTimer.DisposeAsync().ConfigureAwait(false);
        _onClosed(this);
    }
}
