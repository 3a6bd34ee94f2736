using Microsoft.Extensions.Logging;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>
/// Runs an isolated app's broker functions: one subscription per function through the core's subscription runner (ack
/// on success, retry with backoff and an increasing delivery attempt, dead-letter with error headers after the last
/// attempt), each delivery an invocation of the worker; a function's broker outputs are published, and awaited, before
/// its message is acknowledged, and only when the worker reported success.
/// </summary>
/// <remarks>
/// When the worker process ends, every invocation in flight fails (its message is not acknowledged), the subscriptions
/// close and <see cref="Completion"/> fails with <see cref="WorkerLostException"/>: the host exits with that error and
/// the unacknowledged messages are redelivered to the next run. Nothing acknowledged is lost.
/// </remarks>
public sealed class IsolatedHost : IAsyncDisposable
{
    private readonly WorkerProcess _worker;
    private readonly Broker _broker;
    private readonly List<ISubscription> _subscriptions = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IsolatedHost(WorkerProcess worker, Broker broker)
    {
        _worker = worker;
        _broker = broker;
    }

    /// <summary>The broker the functions consume from and publish to.</summary>
    public IBroker Broker => _broker;

    /// <summary>The functions it runs, by name.</summary>
    public IReadOnlyList<string> Functions { get; private init; } = [];

    /// <summary>The worker's process id.</summary>
    public int WorkerProcessId => _worker.ProcessId;

    /// <summary>Fails when the worker is lost; completes when the host was disposed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts the app built into <paramref name="appDirectory"/> (the folder holding functions.metadata).</summary>
    public static async Task<IsolatedHost> StartAsync(string appDirectory, ILoggerFactory loggers, string? connection = null, CancellationToken cancellationToken = default)
    {
        appDirectory = Path.GetFullPath(appDirectory);
        var metadata = FunctionMetadata.Load(appDirectory);
        var settings = HostSettings.Load(appDirectory);
        var functions = BrokerFunction.From(metadata, settings);
        var broker = Omnibus.Broker.Connect(connection ?? settings.Connection, new BrokerClientOptions { LoggerFactory = loggers });
        WorkerProcess worker;
        try
        {
            worker = await WorkerProcess.StartAsync(appDirectory, metadata, settings.Values, loggers, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var host = new IsolatedHost(worker, broker) { Functions = [.. functions.Select(f => f.Metadata.Name)] };
        _ = worker.Channel.Closed.ContinueWith(_ => host._completion.TrySetException(new WorkerLostException($"The worker process {worker.ProcessId} of {appDirectory} ended; its unacknowledged messages will be redelivered.")), TaskScheduler.Default);
        foreach (var function in functions)
        {
            var subscription = function.IsBatched
                ? await broker.SubscribeBatchAsync(function.Subscription, (batch, ct) => host.InvokeAsync(function, batch, settings, ct), cancellationToken).ConfigureAwait(false)
                : await broker.SubscribeAsync(function.Subscription, (message, ct) => host.InvokeAsync(function, [message], settings, ct), cancellationToken).ConfigureAwait(false);
            host._subscriptions.Add(subscription);
        }

        return host;
    }

    /// <summary>Kills the worker process, as a crash would.</summary>
    public void KillWorker() => _worker.Kill();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        await _worker.DisposeAsync().ConfigureAwait(false);
        await _broker.DisposeAsync().ConfigureAwait(false);
        _completion.TrySetResult();
    }

    private async ValueTask InvokeAsync(BrokerFunction function, IReadOnlyList<Message> messages, HostSettings settings, CancellationToken cancellationToken)
    {
        var response = await _worker.Channel.InvokeAsync(Invocations.Request(function, messages), cancellationToken).ConfigureAwait(false);
        if (response.Result?.Status != StatusResult.Types.Status.Success)
        {
            throw new FunctionFailedException(function.Metadata.Name, response.Result?.Exception);
        }

        foreach (var (topic, outputs) in Invocations.Outputs(function, response, messages, settings))
        {
            var result = await _broker.PublishBatchAsync(topic, outputs, cancellationToken).ConfigureAwait(false);
            result.ThrowIfAnyFailed(topic, _broker.Scheme);
        }
    }
}
