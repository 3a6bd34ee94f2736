using System.CommandLine;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;
using Omnibus.FunctionsHost;

namespace Omnibus.Cli.Commands;

/// <summary>
/// <c>omnibus func start</c>: runs an isolated-worker function app's broker functions on this machine without Azure
/// Functions Core Tools (<see cref="IsolatedHost"/>: the app's real worker process, the core's subscription runner).
/// </summary>
internal static class FuncCommand
{
    private static readonly string[] BuildOutputs = ["bin/Debug/net10.0", "bin/Release/net10.0"];

    private static readonly Argument<string> App = new("app")
    {
        Description = "The app's build output (the folder with functions.metadata), or its project folder (then its bin/Debug/net10.0 or bin/Release/net10.0). Default: the current folder.",
        DefaultValueFactory = _ => ".",
    };

    private static readonly Option<string?> Connect = new("--connect", "-c")
    {
        Description = "The broker's connection string. Default: the app's OmnibusConnection in local.settings.json, else embedded:// (a data directory beside the app).",
    };

    public static Command Create()
    {
        var start = new Command("start", "Run the app's broker functions until Ctrl+C: ack on success, retry, dead-letter, outputs only on success.") { App, Connect };
        start.SetAction(RunAsync);
        return new Command("func", "Isolated-worker function apps, run here without Core Tools.") { start };
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var directory = BuildOutput(parse.GetRequiredValue(App));
        using var loggerFactory = CliLogging.Create(LogLevel.Information, quietFramework: true);
        await using var host = await IsolatedHost.StartAsync(directory, loggerFactory, parse.GetValue(Connect), cancellationToken).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"omnibus func: {host.Functions.Count} functions of {directory} on {host.Broker.Scheme}:// ({string.Join(", ", host.Functions)}); worker process {host.WorkerProcessId}; Ctrl+C stops").ConfigureAwait(false);
        try
        {
            await host.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: dispose closes the subscriptions (unfinished messages are redelivered) and stops the worker.
        }
        catch (WorkerLostException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    /// <summary>The folder that holds functions.metadata: <paramref name="path"/> itself, or a build output below a project folder.</summary>
    private static string BuildOutput(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, "functions.metadata")))
        {
            return full;
        }

        return BuildOutputs.Select(o => Path.Combine(full, o)).FirstOrDefault(d => File.Exists(Path.Combine(d, "functions.metadata")))
            ?? throw new CliUsageException($"'{path}' holds no functions.metadata, and neither does its {string.Join(" or ", BuildOutputs)}: name an isolated app's build output or project folder, after 'dotnet build'.");
    }
}
