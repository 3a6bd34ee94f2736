using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Grpc.Core;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>
/// One worker's EventStream, from the host's end: initializes the worker, loads the functions, and runs invocations,
/// matching each response to its request by invocation id. Messages to the worker go through one writer loop (a gRPC
/// stream takes one write at a time). When the stream ends, every invocation still waiting fails with
/// <see cref="WorkerLostException"/>: the host never reports an invocation as succeeded that the worker did not answer.
/// </summary>
internal sealed class WorkerChannel
{
    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _next;

    /// <summary>The worker id it announced in StartStream.</summary>
    public required string WorkerId { get; init; }

    /// <summary>Completes when the stream has ended (the worker exited or disconnected).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Serves the stream until it ends: reads responses and writes what was queued.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteLoopAsync(responses, stop.Token);
        try
        {
            while (await requests.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var message = requests.Current;
                if (message.ContentCase is StreamingMessage.ContentOneofCase.RpcLog)
                {
                    Log?.Invoke(message.RpcLog);
                    continue;
                }

                var key = ResponseKey(message);
                if (key is not null && _pending.TryRemove(key, out var waiter))
                {
                    waiter.TrySetResult(message);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away: handled below, like a clean end of stream.
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            stop.Cancel();
            await writer.ConfigureAwait(false);
            Fail(new WorkerLostException($"The worker {WorkerId} closed its stream."));
        }
    }

    /// <summary>Called for each log line the worker sends (its ILogger output).</summary>
    public Action<RpcLog>? Log { get; set; }

    /// <summary>Sends WorkerInitRequest and waits for the worker's answer.</summary>
    public async Task<WorkerInitResponse> InitializeAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var request = new WorkerInitRequest { HostVersion = "4.0.0-omnibus", WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var response = await SendAsync(new StreamingMessage { WorkerInitRequest = request }, "init", cancellationToken).ConfigureAwait(false);
        return Succeeded(response.WorkerInitResponse.Result, "WorkerInitRequest") is null ? response.WorkerInitResponse : throw new WorkerLostException(Succeeded(response.WorkerInitResponse.Result, "WorkerInitRequest")!);
    }

    /// <summary>Loads <paramref name="function"/> under its name as function id.</summary>
    public async Task LoadAsync(string appDirectory, FunctionMetadata function, CancellationToken cancellationToken)
    {
        var metadata = new RpcFunctionMetadata
        {
            Name = function.Name,
            FunctionId = function.Name,
            Directory = appDirectory,
            ScriptFile = function.ScriptFile,
            EntryPoint = function.EntryPoint,
            Language = "dotnet-isolated",
        };
        foreach (var binding in function.Bindings)
        {
            metadata.Bindings[FunctionMetadata.Text(binding, "name")!] = new BindingInfo
            {
                Type = FunctionMetadata.Text(binding, "type") ?? string.Empty,
                Direction = string.Equals(FunctionMetadata.Text(binding, "direction"), "Out", StringComparison.OrdinalIgnoreCase) ? BindingInfo.Types.Direction.Out : BindingInfo.Types.Direction.In,
                DataType = FunctionMetadata.Text(binding, "dataType")?.ToUpperInvariant() switch
                {
                    "STRING" => BindingInfo.Types.DataType.String,
                    "BINARY" => BindingInfo.Types.DataType.Binary,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            metadata.RawBindings.Add(binding.ToJsonString());
        }

        var response = await SendAsync(new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.Name, Metadata = metadata } }, "load:" + function.Name, cancellationToken).ConfigureAwait(false);
        if (Succeeded(response.FunctionLoadResponse.Result, $"loading {function.Name}") is { } error)
        {
            throw new OmnibusConfigurationException(function.Name, error);
        }
    }

    /// <summary>Runs one invocation and returns the worker's answer (a Failure status for a function that threw).</summary>
    /// <exception cref="WorkerLostException">The worker ended before it answered.</exception>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        request.InvocationId = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = await SendAsync(new StreamingMessage { InvocationRequest = request }, "invoke:" + request.InvocationId, cancellationToken).ConfigureAwait(false);
        return response.InvocationResponse;
    }

    /// <summary>Asks the worker to shut down within <paramref name="grace"/>.</summary>
    public void Terminate(TimeSpan grace) =>
        _outgoing.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(grace) } });

    /// <summary>The error text of a non-success status, or null on success.</summary>
    public static string? Succeeded(StatusResult? result, string what) =>
        result?.Status == StatusResult.Types.Status.Success ? null : $"The worker failed {what}: {result?.Exception?.Message ?? result?.Result ?? "no status"}";

    private async Task<StreamingMessage> SendAsync(StreamingMessage message, string key, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[key] = waiter;
        if (_closed.Task.IsCompleted || !_outgoing.Writer.TryWrite(message))
        {
            _pending.TryRemove(key, out _);
            throw new WorkerLostException($"The worker {WorkerId} is gone.");
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            try
            {
                return await waiter.Task.ConfigureAwait(false);
            }
            finally
            {
                _pending.TryRemove(key, out _);
            }
        }
    }

    private static string? ResponseKey(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => "init",
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
        StreamingMessage.ContentOneofCase.InvocationResponse => "invoke:" + message.InvocationResponse.InvocationId,
        _ => null,
    };

    private async Task WriteLoopAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream is gone; RunAsync fails whatever waits.
        }
    }

    private void Fail(Exception error)
    {
        _closed.TrySetResult();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var waiter))
            {
                waiter.TrySetException(error);
            }
        }
    }

    /// <summary>Binding JSON as text, for messages.</summary>
    internal static string Describe(JsonObject binding) => binding.ToJsonString();
}
