using System.Runtime.ExceptionServices;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Executors;
using Microsoft.Azure.WebJobs.Host.Listeners;
using Microsoft.Azure.WebJobs.Host.Protocols;
using Microsoft.Azure.WebJobs.Logging;
using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.Logging;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Feeds one function from its subscription. The subscription's handler runs the function through the executor
/// and its outcome is the acknowledgement: success acknowledges, failure (an exception, a binding error, an output
/// that could not be published) rejects, so the core redelivers with backoff and dead-letters after the last attempt.
/// Starting never fails: while the broker cannot be reached, subscribing is retried with backoff in the
/// background, and a subscription lost later is re-established the same way. Stopping drains in-flight
/// invocations for up to the drain timeout.
/// </summary>
internal sealed class BrokerListener : IListener, IScaleMonitorProvider, ITargetScalerProvider
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly BrokerTriggerSettings _settings;
    private readonly TriggerParameterBinder _binder;
    private readonly BrokerConnectionCache _cache;
    private readonly ITriggeredFunctionExecutor _executor;
    private readonly ILogger _logger;
    private readonly ILogger _functionLogger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lazy<BrokerScaleMonitor> _scaleMonitor;
    private Task _supervisor = Task.CompletedTask;
    private volatile ISubscription? _subscription;

    public BrokerListener(BrokerTriggerSettings settings, TriggerParameterBinder binder, BrokerConnectionCache cache, ITriggeredFunctionExecutor executor, FunctionDescriptor function, ILogger logger, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _binder = binder;
        _cache = cache;
        _executor = executor;
        _logger = logger;
        _functionLogger = loggerFactory.CreateLogger(LogCategories.CreateFunctionCategory(function.LogName ?? function.ShortName));
        _scaleMonitor = new Lazy<BrokerScaleMonitor>(() => new BrokerScaleMonitor(function.Id, settings, cache, logger));
    }

    private SubscriptionOptions Options => _settings.Subscription;

    /// <summary>Completes after the first subscribe attempt, whether or not it succeeded; never throws for a broker that is down.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _supervisor = Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
        await _firstAttempt.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervisor.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_subscription is { } subscription)
        {
            // Waits for in-flight invocations up to the drain timeout; what did not finish is redelivered.
            await subscription.CloseAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.ListenerStopped(_logger, _settings.FunctionName, Options.Topic);
    }

    public void Cancel() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Cancel();
        if (_subscription is { } subscription)
        {
            _ = subscription.CloseAsync().AsTask();
        }
    }

    public IScaleMonitor GetMonitor() => _scaleMonitor.Value;

    public ITargetScaler GetTargetScaler() => _scaleMonitor.Value;

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            ISubscription subscription;
            try
            {
                var broker = _cache.Get(_settings.ConnectionString);
                subscription = _binder.IsBatched
                    ? await broker.SubscribeBatchAsync(Options, HandleBatchAsync, stopping).ConfigureAwait(false)
                    : await broker.SubscribeAsync(Options, HandleAsync, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                failures++;
                var delay = RetryDelay(failures);
                Log.SubscribeFailed(_logger, e, _settings.FunctionName, Options.Topic, _settings.RedactedConnection, failures, delay);
                _firstAttempt.TrySetResult();
                if (!await DelayAsync(delay, stopping).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            _subscription = subscription;
            if (failures == 0)
            {
                Log.ListenerStarted(_logger, _settings.FunctionName, Options.Topic, Options.Group, _settings.RedactedConnection, Options.Concurrency, Options.MaxDeliveryAttempts, Options.EffectiveDeadLetterTopic, _binder.IsBatched);
            }
            else
            {
                Log.SubscribeRecovered(_logger, _settings.FunctionName, Options.Topic, failures + 1);
            }

            failures = 0;
            _firstAttempt.TrySetResult();
            try
            {
                await subscription.Completion.WaitAsync(stopping).ConfigureAwait(false);
                break; // Closed by someone else (the host's brokers are being disposed): nothing to resume.
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var delay = RetryDelay(failures);
                Log.SubscriptionLost(_logger, e, _settings.FunctionName, Options.Topic, delay);
                if (!await DelayAsync(delay, stopping).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        _firstAttempt.TrySetResult();
    }

    private async ValueTask HandleAsync(Message message, CancellationToken cancellationToken)
    {
        var input = new TriggeredFunctionData
        {
            TriggerValue = message,
            TriggerDetails = TriggerDetails(message),
        };
        InvocationScope.Enter(Options.Group, message.Id);
        var result = await _executor.TryExecuteAsync(input, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // Throwing is the rejection: the core redelivers, or dead-letters at once when the error is a decode error.
            ExceptionDispatchInfo.Throw(ErrorOf(result));
        }
    }

    private async ValueTask HandleBatchAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        var value = _binder.Bind(batch);
        if (value.Messages.Count == 0)
        {
            Log.BatchAllUndecodable(_logger, _settings.FunctionName, Options.Topic, batch.Count);
            return;
        }

        var input = new TriggeredFunctionData
        {
            TriggerValue = value,
            TriggerDetails = _functionLogger.IsEnabled(LogLevel.Information) ? new Dictionary<string, string>(1) { ["Count"] = value.Messages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null,
        };
        InvocationScope.Enter(Options.Group, string.Join(",", Enumerable.Range(0, batch.Count).Select(i => batch[i].Id)));
        var result = await _executor.TryExecuteAsync(input, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // Entries already failed (undecodable, or marked by the function) keep their own error; the rest get the function's.
            var error = ErrorOf(result);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.FailureOf(i) is null)
                {
                    batch.Fail(i, error);
                }
            }
        }
    }

    /// <summary>
    /// "Trigger Details: MessageId: ..., DeliveryAttempt: ..." in the function's start log. The SDK formats it even
    /// when that log is filtered out, at a cost comparable to the rest of the invocation, so only when it is shown.
    /// </summary>
    private Dictionary<string, string>? TriggerDetails(Message message) =>
        _functionLogger.IsEnabled(LogLevel.Information)
            ? new Dictionary<string, string>(2)
            {
                ["MessageId"] = message.Id,
                ["DeliveryAttempt"] = message.DeliveryAttempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

    /// <summary>
    /// The error to reject with: a decode error anywhere in the chain (so the core sees poison and dead-letters at
    /// once, with the parse error in the headers), else an output's publish error, else the function's own exception
    /// rather than the SDK's wrapper. The dead-letter headers then name the real cause.
    /// </summary>
    internal static Exception ErrorOf(FunctionResult result)
    {
        Exception? publish = null;
        for (var e = result.Exception; e is not null; e = e.InnerException)
        {
            if (e is MessageDecodeException)
            {
                return e;
            }

            publish ??= e as PublishException;
        }

        if (publish is not null)
        {
            return publish;
        }

        return result.Exception switch
        {
            FunctionInvocationException { InnerException: { } inner } => inner,
            { } other => other,
            null => new InvalidOperationException("The function failed without reporting an exception."),
        };
    }

    private TimeSpan RetryDelay(int failures)
    {
        var delay = Options.Backoff.DelayAfter(failures);
        return delay < MinRetryDelay ? MinRetryDelay : delay;
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
