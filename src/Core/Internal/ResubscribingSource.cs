using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Omnibus.Diagnostics;
using Omnibus.Drivers;

namespace Omnibus.Internal;

/// <summary>
/// The subscription runner's view of a driver's consumer that outlives it: when the driver's source fails (a lost
/// connection, a broker restart), this disposes it (releasing what it held), waits with backoff, opens a new one and
/// goes on, logging each step. One policy for every driver and every <see cref="Broker.SubscribeAsync"/> user.
/// A configuration error is not retried: it ends the subscription. Thread-safe for the runner's concurrent readers.
/// </summary>
internal sealed class ResubscribingSource : IDeliverySource
{
    private readonly IBrokerDriver _driver;
    private readonly ConsumerSpec _spec;
    private readonly RetryBackoff _backoff;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _reopening = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private IDeliverySource? _current;
    private int _generation;

    public ResubscribingSource(IBrokerDriver driver, ConsumerSpec spec, RetryBackoff backoff, ILogger log)
    {
        _driver = driver;
        _spec = spec;
        _backoff = backoff;
        _log = log;
    }

    /// <summary>Times a lost source was replaced.</summary>
    public int Resubscriptions => Volatile.Read(ref _generation);

    /// <summary>Opens the first consumer; its errors (configuration above all) reach the subscriber.</summary>
    public async ValueTask OpenAsync(CancellationToken cancellationToken) =>
        _current = await _driver.OpenAsync(_spec, cancellationToken).ConfigureAwait(false);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        var waiting = Volatile.Read(ref _current)!.WaitToReadAsync(cancellationToken);
        return waiting.IsCompletedSuccessfully ? waiting : WaitSlowAsync(waiting, generation, cancellationToken);
    }

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => Volatile.Read(ref _current)!.TryRead(out delivery);

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        await _reopening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _reopening.Release();
        }
    }

    private async ValueTask<bool> WaitSlowAsync(ValueTask<bool> waiting, int generation, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await waiting.ConfigureAwait(false);
            }
            catch (Exception e) when (!IsFinal(e, cancellationToken))
            {
                await ReplaceAsync(generation, e, cancellationToken).ConfigureAwait(false);
            }

            generation = Volatile.Read(ref _generation);
            waiting = Volatile.Read(ref _current)!.WaitToReadAsync(cancellationToken);
        }
    }

    private bool IsFinal(Exception error, CancellationToken cancellationToken) =>
        (error is OperationCanceledException && (cancellationToken.IsCancellationRequested || _closed.IsCancellationRequested))
        || error is OmnibusConfigurationException or BrokerClosedException;

    /// <summary>Replaces the failed source once, however many readers saw it fail.</summary>
    private async Task ReplaceAsync(int failedGeneration, Exception error, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var token = linked.Token;
        await _reopening.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _generation) != failedGeneration)
            {
                return; // another reader already replaced it
            }

            Log.ConsumerLost(_log, error, _spec.Topic, _spec.Group, _driver.Scheme);
            try
            {
                await _current!.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.ConsumerCloseFailed(_log, e, _spec.Topic, _spec.Group);
            }

            for (var attempt = 1; ; attempt++)
            {
                var delay = _backoff.DelayAfter(attempt);
                await Task.Delay(delay, token).ConfigureAwait(false);
                try
                {
                    Volatile.Write(ref _current, await _driver.OpenAsync(_spec, token).ConfigureAwait(false));
                    Interlocked.Increment(ref _generation);
                    Log.Resubscribed(_log, _spec.Topic, _spec.Group, _driver.Scheme, attempt);
                    return;
                }
                catch (Exception e) when (!IsFinal(e, token))
                {
                    Log.ResubscribeFailed(_log, _spec.Topic, _spec.Group, _driver.Scheme, attempt, e.Message, _backoff.DelayAfter(attempt + 1));
                }
            }
        }
        finally
        {
            _reopening.Release();
        }
    }
}
