using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;
using Spectre.Console;

namespace Omnibus.Cli.Commands;

/// <summary>
/// <c>omnibus bench</c>: end-to-end load (publish, consume, acknowledge) with a progress bar, then a summary table.
/// Without <c>--connect</c> (and without <c>$OMNIBUS_CONNECT</c>) it runs against an embedded broker in a temporary
/// directory inside this process, deleted afterwards, so it needs no server.
/// </summary>
internal static class BenchCommand
{
    private static readonly Option<int> Messages = new("--messages", "-n") { Description = "Messages to send.", DefaultValueFactory = _ => 100_000 };

    private static readonly Option<int> Size = new("--size") { Description = "Body size in bytes.", DefaultValueFactory = _ => 100 };

    private static readonly Option<int> Publishers = new("--publishers") { Description = "Concurrent publishers (each keeps --window publishes outstanding).", DefaultValueFactory = _ => 1 };

    private static readonly Option<int> Window = new("--window") { Description = "Publishes each publisher keeps outstanding (pipelining).", DefaultValueFactory = _ => 1000 };

    private static readonly Option<int> Consumers = new("--consumers") { Description = "Subscriptions in the consumer group.", DefaultValueFactory = _ => 1 };

    private static readonly Option<int> Concurrency = new("--concurrency") { Description = "Messages each consumer handles at once (the handler does no work: 1 is fastest).", DefaultValueFactory = _ => 1 };

    private static readonly Option<string?> Topic = new("--topic") { Description = "The topic to use. Default: a new bench-<random> topic." };

    private static readonly Option<string> Timeout = new("--timeout")
    {
        Description = "How long to wait for the last messages after publishing ends; those still missing are reported.",
        DefaultValueFactory = _ => "2m",
        HelpName = "duration",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the summary as JSON (no progress bar)." };

    public static Command Create()
    {
        var command = new Command("bench", "End-to-end load test: publish and consume N messages, then a table of publish msg/s, end-to-end msg/s, p50/p99 latency and errors. "
            + "Without --connect or $OMNIBUS_CONNECT: an embedded broker in a temporary directory, inside this process.")
        {
            Messages, Size, Publishers, Window, Consumers, Concurrency, Topic, PubCommand.Qos, Timeout, Json,
        };
        ClientConnection.AddTo(command);
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new BenchSettings(
            parse.GetValue(Topic) ?? "bench-" + Guid.NewGuid().ToString("N")[..8],
            InputParsers.RequireRange("--messages", parse.GetValue(Messages), 1, 100_000_000),
            InputParsers.RequireRange("--size", parse.GetValue(Size), BenchRun.StampBytes, 64 * 1024 * 1024),
            InputParsers.RequireRange("--publishers", parse.GetValue(Publishers), 1, 1024),
            InputParsers.RequireRange("--window", parse.GetValue(Window), 1, 100_000),
            InputParsers.RequireRange("--consumers", parse.GetValue(Consumers), 1, 1024),
            InputParsers.RequireRange("--concurrency", parse.GetValue(Concurrency), 1, 10_000),
            InputParsers.ParseDuration("--timeout", parse.GetRequiredValue(Timeout)));
        var json = parse.GetValue(Json);
        var connection = ClientConnection.From(parse);
        string? temporary = null;
        if (!connection.IsExplicit)
        {
            temporary = Path.Combine(Path.GetTempPath(), "omnibus-bench-" + Guid.NewGuid().ToString("N"));
            connection = ClientConnection.Of("embedded://" + temporary);
        }

        connection = connection.WithQos(parse.GetValue(PubCommand.Qos));
        try
        {
            using var loggerFactory = CliLogging.Create(LogLevel.Warning);
            BenchSummary summary;
            await using (var broker = connection.Connect(loggerFactory))
            {
                var run = new BenchRun(settings);
                summary = json || Console.IsOutputRedirected
                    ? await run.RunAsync(broker, cancellationToken).ConfigureAwait(false)
                    : await WithProgressAsync(run, broker, settings.Messages, cancellationToken).ConfigureAwait(false);
            }

            if (json)
            {
                CliTables.WriteJson(summary);
            }
            else
            {
                WriteTable(connection.ToString(), settings.Topic, summary);
            }

            return summary.Errors == 0 && summary.Missing == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }
        finally
        {
            if (temporary is not null && Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static Task<BenchSummary> WithProgressAsync(BenchRun run, Broker broker, int messages, CancellationToken cancellationToken) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var published = context.AddTask("published", maxValue: messages);
                var received = context.AddTask("received", maxValue: messages);
                var running = run.RunAsync(broker, cancellationToken);
                while (await Task.WhenAny(running, Task.Delay(100, CancellationToken.None)).ConfigureAwait(false) != running)
                {
                    published.Value = run.Published;
                    received.Value = run.Received;
                }

                published.Value = run.Published;
                received.Value = run.Received;
                return await running.ConfigureAwait(false);
            });

    private static void WriteTable(string connection, string topic, BenchSummary s)
    {
        string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        CliTables.Write(
            ["measure", "value"],
            [
                ["broker", connection],
                ["topic", topic],
                ["messages x bytes", $"{CliTables.Number(s.Messages)} x {CliTables.Number(s.Size)}"],
                ["publishers / consumers", $"{s.Publishers} / {s.Consumers}"],
                ["publish", $"{F(s.PublishPerSecond, "N0")} msg/s ({F(s.PublishSeconds, "0.00")} s)"],
                ["end to end", $"{F(s.EndToEndPerSecond, "N0")} msg/s ({F(s.EndToEndSeconds, "0.00")} s)"],
                ["latency p50 / p99 / max", $"{F(s.P50Ms, "0.00")} / {F(s.P99Ms, "0.00")} / {F(s.MaxMs, "0.00")} ms"],
                ["received", CliTables.Number(s.Received)],
                ["errors / missing", $"{CliTables.Number(s.Errors)} / {CliTables.Number(s.Missing)}"],
            ]);
    }
}
