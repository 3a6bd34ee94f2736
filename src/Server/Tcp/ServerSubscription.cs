using Omnibus.Drivers;
using Omnibus.Protocol;

namespace Omnibus.Server.Tcp;

/// <summary>
/// One client subscription on the server: pumps deliveries from the broker's delivery source to the client while the
/// client has credit. Credit is a window: at most that many deliveries are unsettled at once (capped by
/// MaxCredits); each ACK or NACK frees a slot, CREDIT widens the window. A client that stops settling therefore
/// holds at most its window, and a client that stops reading stalls the pump at the outbox limit.
/// </summary>
internal sealed class ServerSubscription
{
    private readonly TcpSession _session;
    private readonly int _maxCredits;
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _lock = new();
    private IDeliverySource? _source;
    private Task _pump = Task.CompletedTask;
    private bool _stopped;
    private int _window;
    private int _outstanding;

    public ServerSubscription(TcpSession session, uint id, SubscriptionOptions options, int maxCredits)
    {
        _session = session;
        Id = id;
        Options = options;
        _maxCredits = maxCredits;
    }

    public uint Id { get; }

    public SubscriptionOptions Options { get; }

    /// <summary>Widens the window by <paramref name="credit"/>, up to MaxCredits.</summary>
    public void Grant(int credit)
    {
        lock (_lock)
        {
            _window = (int)Math.Min((long)_window + credit, _maxCredits);
        }

        _wake.Set();
    }

    /// <summary>One delivery was settled: its slot is free again.</summary>
    public void Settled()
    {
        Interlocked.Decrement(ref _outstanding);
        _wake.Set();
    }

    /// <summary>Starts pumping from <paramref name="source"/>; false when the subscription was stopped meanwhile.</summary>
    public bool Start(IDeliverySource source)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return false;
            }

            _source = source;
            _pump = Task.Run(() => PumpAsync(source));
            return true;
        }
    }

    /// <summary>Stops the pump and disposes the source, which hands every unsettled delivery back to the broker.</summary>
    public async Task StopAsync()
    {
        IDeliverySource? source;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            source = _source;
        }

        _stop.Cancel();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting: expected.
        }

        if (source is not null)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private bool HasCredit => Volatile.Read(ref _outstanding) < Volatile.Read(ref _window);

    private async Task PumpAsync(IDeliverySource source)
    {
        var token = _stop.Token;
        var outbox = _session.Outbox;
        try
        {
            while (true)
            {
                while (!HasCredit)
                {
                    await _wake.WaitAsync(token).ConfigureAwait(false);
                }

                if (!await source.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    _session.SubscriptionEnded(this, ErrorCode.BrokerFailure, "The broker closed the subscription.");
                    return;
                }

                // Taken only while the client keeps up: a client that stops reading stalls this loop, not memory.
                await outbox.WaitForSpaceAsync(token).ConfigureAwait(false);
                while (HasCredit && outbox.PendingBytes < TcpSession.OutboxLimit && source.TryRead(out var delivery))
                {
                    Interlocked.Increment(ref _outstanding);
                    _session.SendDelivery(this, delivery);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Unsubscribed or closing.
        }
        catch (IOException)
        {
            // The connection closed; the session disposes the source.
        }
        catch (Exception e)
        {
            _session.SubscriptionEnded(this, ErrorCode.BrokerFailure, e.Message);
        }
    }
}
