using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>
/// An isolated app's worker process and the gRPC endpoint it connects back to (127.0.0.1, a free port, HTTP/2):
/// started as the Functions host starts it (<c>dotnet app.dll --functions-uri ... --functions-worker-id ...</c>), then
/// initialized and loaded with the app's functions from functions.metadata.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly WebApplication _server;
    private readonly Process _process;
    private readonly TaskCompletionSource<WorkerChannel> _connected;

    private WorkerProcess(WebApplication server, Process process, TaskCompletionSource<WorkerChannel> connected)
    {
        _server = server;
        _process = process;
        _connected = connected;
    }

    /// <summary>The connected channel (after <see cref="StartAsync"/>).</summary>
    public WorkerChannel Channel => _connected.Task.Result;

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the worker of the app in <paramref name="appDirectory"/> with <paramref name="settings"/> as its environment, and loads <paramref name="functions"/>.</summary>
    public static async Task<WorkerProcess> StartAsync(string appDirectory, IReadOnlyList<FunctionMetadata> functions, IReadOnlyDictionary<string, string> settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var connected = new TaskCompletionSource<WorkerChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        var workerLog = loggers.CreateLogger("Omnibus.FunctionsHost.Worker");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        builder.Services.AddSingleton(new Endpoint(connected, workerLog));
        var server = builder.Build();
        server.MapGrpcService<Endpoint.Service>();
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var workerId = Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = appDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var assembly = functions.Select(f => f.ScriptFile).FirstOrDefault() ?? throw new OmnibusConfigurationException(appDirectory, $"{appDirectory}/{FunctionMetadata.FileName} lists no function.");
        foreach (var argument in new[] { Path.Combine(appDirectory, assembly), "--functions-uri", address + "/", "--functions-worker-id", workerId, "--functions-request-id", Guid.NewGuid().ToString("N"), "--functions-grpc-max-message-length", int.MaxValue.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["AzureWebJobsScriptRoot"] = appDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { FunctionsHost.WorkerLog.Output(workerLog, line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { FunctionsHost.WorkerLog.Output(workerLog, line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var worker = new WorkerProcess(server, process, connected) { Exited = process.WaitForExitAsync(CancellationToken.None) };
        try
        {
            var first = await Task.WhenAny(connected.Task, worker.Exited, Task.Delay(StartTimeout, cancellationToken)).ConfigureAwait(false);
            if (first != connected.Task)
            {
                throw new WorkerLostException(process.HasExited
                    ? $"The worker of {appDirectory} exited with code {process.ExitCode} before it connected: see its output above."
                    : $"The worker of {appDirectory} did not connect within {StartTimeout.TotalSeconds:0} s.");
            }

            var channel = connected.Task.Result;
            await channel.InitializeAsync(appDirectory, cancellationToken).ConfigureAwait(false);
            foreach (var function in functions)
            {
                await channel.LoadAsync(appDirectory, function, cancellationToken).ConfigureAwait(false);
            }

            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the process (what a crash looks like to the host).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connected.Task.IsCompletedSuccessfully && !_process.HasExited)
        {
            _connected.Task.Result.Terminate(TimeSpan.FromSeconds(5));
            await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await Exited.ConfigureAwait(false);
        }

        _process.Dispose();
        await _server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The gRPC endpoint's shared state: the first worker that connects becomes the channel.</summary>
    private sealed class Endpoint(TaskCompletionSource<WorkerChannel> connected, ILogger workerLog)
    {
        /// <summary>FunctionRpc.EventStream: one call per worker, for the worker's lifetime.</summary>
        internal sealed class Service(Endpoint endpoint) : FunctionRpc.FunctionRpcBase
        {
            public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
            {
                if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
                {
                    throw new Grpc.Core.RpcException(new Status(StatusCode.InvalidArgument, "A worker's stream starts with StartStream."));
                }

                var channel = new WorkerChannel { WorkerId = requestStream.Current.StartStream.WorkerId, Log = log => FunctionsHost.WorkerLog.Rpc(endpoint.WorkerLog, log) };
                var run = channel.RunAsync(requestStream, responseStream, context.CancellationToken);
                if (!endpoint.Connected.TrySetResult(channel))
                {
                    throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "A worker is already connected."));
                }

                await run.ConfigureAwait(false);
            }
        }

        public TaskCompletionSource<WorkerChannel> Connected { get; } = connected;

        public ILogger WorkerLog { get; } = workerLog;
    }
}
