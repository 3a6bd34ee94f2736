using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Omnibus.Diagnostics;
using Omnibus.Drivers;

namespace Omnibus.Internal;

/// <summary>
/// Runs one subscription: reads deliveries from the driver, hands them to the handler with the configured
/// concurrency (plain, per-key lanes, or batches) and settles each outcome. User code never runs on the
/// caller's thread or the driver's I/O loop. Split by mode into partial files.
/// </summary>
internal sealed partial class SubscriptionRunner : ISubscription
{
    private readonly Broker _owner;
    private readonly IBrokerDriver _driver;
    private readonly MessageHandler? _handler;
    private readonly BatchHandler? _batchHandler;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _cancelHandlers = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const int MaxPendingAcks = 1024;
    private readonly SemaphoreSlim _ackSlots = new(MaxPendingAcks);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _pendingAcks = new();
    private readonly TagList _tags;
    private readonly object _gate = new();
    private readonly RetryBackoff _reconnect;
    private ResubscribingSource? _source;
    private Task _workers = Task.CompletedTask;
    private Task? _closing;

    public SubscriptionRunner(Broker owner, IBrokerDriver driver, ConsumerSpec spec, MessageHandler? handler, BatchHandler? batchHandler, BrokerClientOptions clientOptions)
    {
        _owner = owner;
        _driver = driver;
        Spec = spec;
        _handler = handler;
        _batchHandler = batchHandler;
        _log = clientOptions.LoggerFactory.CreateLogger<Broker>();
        _reconnect = clientOptions.Reconnect ?? DefaultReconnect;
        _tags = OmnibusTelemetry.Tags(driver.Scheme, spec.Topic, spec.Group);
    }

    /// <summary>Resubscription backoff of a broker built without a connection string: 500 ms doubling to 30 s.</summary>
    internal static readonly RetryBackoff DefaultReconnect = new() { Initial = TimeSpan.FromMilliseconds(500), Max = TimeSpan.FromSeconds(30) };

    public ConsumerSpec Spec { get; }

    public SubscriptionOptions Options => Spec.Options;

    /// <summary>Times the consumer was lost and opened again.</summary>
    public int Resubscriptions => _source?.Resubscriptions ?? 0;

    public Task Completion => _completion.Task;

    private CancellationToken HandlerToken => _cancelHandlers.Token;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var source = new ResubscribingSource(_driver, Spec, _reconnect, _log);
        await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        _source = source;
        var count = Options.Concurrency;
        var loops = _batchHandler is not null ? Enumerable.Range(0, count).Select(_ => Task.Run(BatchLoopAsync))
            : Options.Ordering == MessageOrdering.ByKey ? StartLanes()
            : Enumerable.Range(0, count).Select(_ => Task.Run(SingleLoopAsync));
        _workers = Task.WhenAll(loops.ToArray());
        _ = _workers.ContinueWith(OnWorkersEnded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Log.SubscriptionStarted(_log, Options.Topic, Options.Group, _driver.Scheme, count, Options.MaxDeliveryAttempts, Options.Ordering);
    }

    public ValueTask CloseAsync()
    {
        lock (_gate)
        {
            _closing ??= CloseCoreAsync();
        }

        return new ValueTask(_closing);
    }

    public ValueTask DisposeAsync() => CloseAsync();

    private async Task CloseCoreAsync()
    {
        _stopReading.Cancel();
        _cancelHandlers.Cancel();
        var drained = await Task.WhenAny(_workers, Task.Delay(Options.DrainTimeout)).ConfigureAwait(false) == _workers;
        if (!drained)
        {
            Log.DrainTimedOut(_log, Options.Topic, Options.Group, Options.DrainTimeout);
        }

        // Acknowledgements still on their way complete before the source goes (which would release them).
        var acks = Task.WhenAll(_pendingAcks.Keys);
        if (await Task.WhenAny(acks, Task.Delay(Options.DrainTimeout)).ConfigureAwait(false) != acks)
        {
            Log.DrainTimedOut(_log, Options.Topic, Options.Group, Options.DrainTimeout);
        }

        if (_source is not null)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }

        _owner.Forget(this);
        Log.SubscriptionClosed(_log, Options.Topic, Options.Group, drained);
        _completion.TrySetResult();
    }

    private void OnWorkersEnded(Task workers)
    {
        if (workers.Exception is { } error)
        {
            // The delivery source failed in a way resubscribing cannot mend (a configuration error): say so, release what it holds.
            Log.SourceFailed(_log, error.GetBaseException(), Options.Topic, Options.Group);
            _completion.TrySetException(error.GetBaseException());
            _ = CloseAsync();
        }
    }

    private async Task SingleLoopAsync()
    {
        var source = _source!;
        var token = _stopReading.Token;
        try
        {
            while (!token.IsCancellationRequested && await source.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (!token.IsCancellationRequested && source.TryRead(out var delivery))
                {
                    var message = delivery.Message;
                    if (message.DeliveryAttempt > Options.MaxDeliveryAttempts)
                    {
                        await DeadLetterExhaustedAsync(delivery).ConfigureAwait(false);
                        continue;
                    }

                    var starting = delivery.StartingAsync();
                    if (!starting.IsCompletedSuccessfully && await NotStartedAsync(delivery, starting).ConfigureAwait(false))
                    {
                        continue;
                    }

                    if (OmnibusTelemetry.Source.HasListeners() || OmnibusTelemetry.AnyMetricEnabled)
                    {
                        var error = await InvokeAsync(message).ConfigureAwait(false);
                        await SettleAsync(delivery, message, error).ConfigureAwait(false);
                        continue;
                    }

                    // Hot path with nobody listening: a handler and an ack that complete synchronously cost no
                    // async state machine; anything else is awaited here, so concurrency stays as configured.
                    Exception? failure = null;
                    ValueTask handled = default;
                    try
                    {
                        handled = _handler!(message, HandlerToken);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }

                    if (failure is null && !handled.IsCompletedSuccessfully)
                    {
                        try
                        {
                            await handled.ConfigureAwait(false);
                        }
                        catch (Exception e)
                        {
                            failure = e;
                        }
                    }

                    await SettleAsync(delivery, message, failure).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing.
        }
    }

    /// <summary>
    /// Awaits a start the driver could not complete at once; true when it failed, so the handler must not run (the
    /// attempt it would be is not on record): the delivery goes back with the backoff, as after a failure.
    /// </summary>
    private async ValueTask<bool> NotStartedAsync(Delivery delivery, ValueTask starting)
    {
        try
        {
            await starting.ConfigureAwait(false);
            return false;
        }
        catch (Exception e)
        {
            Log.StartNotRecorded(_log, e, delivery.Message.Id, delivery.Message.Topic);
            await delivery.NackAsync(Options.Backoff.DelayAfter(delivery.Message.DeliveryAttempt), CancellationToken.None).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>Runs the handler for one message; returns its error, or null on success.</summary>
    private async ValueTask<Exception?> InvokeAsync(Message message)
    {
        var activity = MessageTracing.StartProcess(_driver.Scheme, Options.Group, message);
        OmnibusTelemetry.Delivered.Add(1, _tags);
        OmnibusTelemetry.InFlight.Add(1, _tags);
        var started = OmnibusTelemetry.HandlerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        try
        {
            await _handler!(message, HandlerToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            MessageTracing.Fail(activity, e);
            return e;
        }
        finally
        {
            OmnibusTelemetry.InFlight.Add(-1, _tags);
            if (started != 0)
            {
                OmnibusTelemetry.HandlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tags);
            }

            activity?.Dispose();
        }
    }

    /// <summary>Acknowledges a success; on failure, redelivers after a backoff or dead-letters after the last attempt.</summary>
    private async ValueTask SettleAsync(Delivery delivery, Message message, Exception? error)
    {
        try
        {
            if (error is null)
            {
                await AckPipelinedAsync(delivery, message).ConfigureAwait(false);
            }
            else if (IsShutdown(error))
            {
                // Cancelled because we are closing: not the message's fault, so no attempt is held against it.
                await delivery.NackAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            }
            else if (message.DeliveryAttempt >= Options.MaxDeliveryAttempts || IsPoison(error))
            {
                await DeadLetterAsync(delivery, message, error).ConfigureAwait(false);
            }
            else
            {
                var delay = Options.Backoff.DelayAfter(message.DeliveryAttempt);
                Log.HandlerFailed(_log, error, message.Id, message.Topic, Options.Group, message.DeliveryAttempt, Options.MaxDeliveryAttempts, delay);
                OmnibusTelemetry.Nacked.Add(1, _tags);
                await delivery.NackAsync(delay, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Log.SettleFailed(_log, e, message.Id, message.Topic);
        }
    }

    /// <summary>A body that cannot be decoded will never decode: dead-letter it now instead of retrying it.</summary>
    internal static bool IsPoison(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is MessageDecodeException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Acknowledges without holding the worker until the broker confirms: a driver whose acks become durable in
    /// group commits (embedded qos=2, network round trips) would otherwise cap a worker at one message per commit.
    /// At most <see cref="MaxPendingAcks"/> wait at once; closing waits for all of them.
    /// </summary>
    private async ValueTask AckPipelinedAsync(Delivery delivery, Message message)
    {
        var ack = delivery.AckAsync(CancellationToken.None);
        if (ack.IsCompletedSuccessfully)
        {
            if (OmnibusTelemetry.Acked.Enabled)
            {
                OmnibusTelemetry.Acked.Add(1, _tags);
            }

            return;
        }

        await _ackSlots.WaitAsync().ConfigureAwait(false);
        var pending = CompleteAckAsync(ack, message);
        _pendingAcks.TryAdd(pending, 0);
        _ = pending.ContinueWith(t => _pendingAcks.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task CompleteAckAsync(ValueTask ack, Message message)
    {
        try
        {
            await ack.ConfigureAwait(false);
            OmnibusTelemetry.Acked.Add(1, _tags);
        }
        catch (Exception e)
        {
            Log.SettleFailed(_log, e, message.Id, message.Topic);
        }
        finally
        {
            _ackSlots.Release();
        }
    }

    private bool IsShutdown(Exception error) => error is OperationCanceledException && _cancelHandlers.IsCancellationRequested;

    /// <summary>
    /// A delivery beyond the last attempt: every earlier attempt ended without a result (the process handling it died,
    /// or its connection was lost), so the handler does not run again; it is dead-lettered with the attempts made.
    /// </summary>
    private ValueTask DeadLetterExhaustedAsync(Delivery delivery)
    {
        var message = delivery.Message;
        var error = new DeliveryAttemptsExhaustedException(message.Id, message.DeliveryAttempt, Options.MaxDeliveryAttempts);
        return DeadLetterAsync(delivery, message, error, attemptsMade: message.DeliveryAttempt - 1);
    }

    private async ValueTask DeadLetterAsync(Delivery delivery, Message message, Exception error, int? attemptsMade = null)
    {
        var topic = Options.EffectiveDeadLetterTopic;
        try
        {
            var copy = Middleware.DeadLetter.Create(message, error, Options.Group, DateTimeOffset.UtcNow);
            if (attemptsMade is { } made)
            {
                copy.Headers[HeaderNames.DeliveryAttempts] = made.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await _owner.PublishAsync(topic, copy, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Not acknowledged, so not lost: it comes back and dead-lettering is tried again.
            Log.DeadLetterFailed(_log, e, message.Id, message.Topic, topic);
            await delivery.NackAsync(Options.Backoff.DelayAfter(message.DeliveryAttempt), CancellationToken.None).ConfigureAwait(false);
            return;
        }

        Log.DeadLettered(_log, error, message.Id, message.Topic, Options.Group, message.DeliveryAttempt, topic);
        OmnibusTelemetry.DeadLettered.Add(1, _tags);
        await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
