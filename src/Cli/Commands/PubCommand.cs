using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;

namespace Omnibus.Cli.Commands;

/// <summary><c>omnibus pub</c>: publishes one message (argument, file or standard input), or one per input line with <c>--lines</c>.</summary>
internal static class PubCommand
{
    /// <summary>Publishes outstanding at once with --lines: enough to keep a remote broker busy, few enough to bound memory.</summary>
    private const int LinesWindow = 512;

    /// <summary>How long a failed pub waits for its broker to close before it exits with the error.</summary>
    private static readonly TimeSpan FailedCloseWait = TimeSpan.FromSeconds(1);

    private static readonly Argument<string> Topic = new("topic") { Description = "The topic to publish to." };

    private static readonly Argument<string?> Body = new("body")
    {
        Description = "The message body. Without it: --file, else standard input.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string?> File = new("--file", "-f") { Description = "Read the body from this file.", HelpName = "path" };

    private static readonly Option<bool> Lines = new("--lines")
    {
        Description = "Publish each line of standard input (or --file) as its own message, pipelined; prints the count and msg/s.",
    };

    private static readonly Option<string?> Key = new("--key", "-k") { Description = "The message key (partitioning and per-key order)." };

    private static readonly Option<string[]> Headers = new("--header", "-H")
    {
        Description = "A header name=value; repeatable.",
        HelpName = "name=value",
    };

    private static readonly Option<string?> Delay = new("--delay")
    {
        Description = "Deliver no earlier than this after publishing: 500ms, 5s, 2m, 1h or 00:00:05.",
        HelpName = "duration",
    };

    internal static readonly Option<int?> Qos = new("--qos")
    {
        Description = "0, 1 or 2: the delivery guarantee, for drivers that have one (embedded://, omnibus://); an error elsewhere.",
    };

    private static readonly Option<string?> ContentType = new("--content-type") { Description = "The body's MIME type, e.g. application/json." };

    private static readonly Option<string> Timeout = new("--timeout")
    {
        Description = "Fail (exit 1) when the broker has not acknowledged a publish within this long: some drivers retry an unreachable broker for minutes.",
        DefaultValueFactory = _ => "30s",
        HelpName = "duration",
    };

    public static Command Create()
    {
        var command = new Command("pub", "Publish a message: the body argument, --file, or standard input (echo hi | omnibus pub t). Prints the message id.")
        {
            Topic, Body, File, Lines, Key, Headers, Delay, Qos, ContentType, Timeout,
        };
        ClientConnection.AddTo(command);
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var topic = parse.GetRequiredValue(Topic);
        var body = parse.GetValue(Body);
        var file = parse.GetValue(File);
        var lines = parse.GetValue(Lines);
        if (body is not null && (file is not null || lines))
        {
            throw new CliUsageException($"pub: the body argument '{body}' cannot be combined with {(lines ? "--lines" : "--file")}: give one source.");
        }

        var template = new Template(
            parse.GetValue(Key),
            InputParsers.ParseHeaders("--header", parse.GetValue(Headers) ?? []),
            parse.GetValue(Delay) is { } delay ? InputParsers.ParseDuration("--delay", delay) : null,
            parse.GetValue(ContentType));
        var connection = ClientConnection.From(parse).WithQos(parse.GetValue(Qos));
        var acknowledged = new AckWait(topic, connection, InputParsers.ParseDuration("--timeout", parse.GetRequiredValue(Timeout)));

        using var loggerFactory = CliLogging.Create(LogLevel.Warning);
        var broker = connection.Connect(loggerFactory);
        try
        {
            int code;
            if (lines)
            {
                using var reader = file is null ? Console.In : OpenText(file);
                code = await PublishLinesAsync(broker, topic, template, reader, acknowledged, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var payload = body is not null ? System.Text.Encoding.UTF8.GetBytes(body)
                    : file is not null ? ReadFile(file)
                    : await ReadStandardInputAsync(cancellationToken).ConfigureAwait(false);
                var message = template.Build(payload);
                await acknowledged.WaitAsync(broker.PublishAsync(topic, message, cancellationToken)).ConfigureAwait(false);
                await Console.Out.WriteLineAsync(message.Id).ConfigureAwait(false);
                code = ExitCodes.Success;
            }

            await broker.DisposeAsync().ConfigureAwait(false); // every publish was acknowledged: a full, clean close
            return code;
        }
        catch
        {
            // The command has failed already. A driver's close may flush what it could not deliver for many seconds more
            // (kafka:// flushes for 10 s): that would only delay the error, so give it a moment and go.
            await broker.DisposeAsync().AsTask().WaitAsync(FailedCloseWait, CancellationToken.None)
                .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<int> PublishLinesAsync(Broker broker, string topic, Template template, TextReader reader, AckWait acknowledged, CancellationToken cancellationToken)
    {
        // Publishes are started in line order and awaited oldest first, so a driver that appends in call order keeps the order.
        var pending = new Queue<ValueTask>();
        var count = 0L;
        var clock = Stopwatch.StartNew();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            pending.Enqueue(broker.PublishAsync(topic, template.Build(System.Text.Encoding.UTF8.GetBytes(line)), cancellationToken));
            count++;
            if (pending.Count >= LinesWindow)
            {
                await acknowledged.WaitAsync(pending.Dequeue()).ConfigureAwait(false);
            }
        }

        while (pending.TryDequeue(out var publish))
        {
            await acknowledged.WaitAsync(publish).ConfigureAwait(false);
        }

        var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"published {count} messages to {topic} in {seconds:0.###} s ({count / seconds:0} msg/s)")).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<byte[]> ReadStandardInputAsync(CancellationToken cancellationToken)
    {
        if (!Console.IsInputRedirected)
        {
            throw new CliUsageException("pub: no body: give it as an argument, with --file, or on standard input (echo hi | omnibus pub <topic>).");
        }

        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return System.IO.File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--file '{path}' could not be read: {e.Message}", e);
        }
    }

    private static StreamReader OpenText(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--file '{path}' could not be read: {e.Message}", e);
        }
    }

    /// <summary>Awaits one publish for at most the --timeout, then fails naming the topic and the broker.</summary>
    private sealed record AckWait(string Topic, ClientConnection Connection, TimeSpan Timeout)
    {
        public async Task WaitAsync(ValueTask publish)
        {
            if (publish.IsCompletedSuccessfully)
            {
                publish.GetAwaiter().GetResult(); // consumes it: a pooled ValueTask source goes back to its pool
                return;
            }

            try
            {
                await publish.AsTask().WaitAsync(Timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the broker did not acknowledge a publish to '{Topic}' within {Timeout.TotalSeconds:0.###} s (--timeout); is {Connection} reachable?");
            }
        }
    }

    /// <summary>What every published message shares: key, headers, delay and content type.</summary>
    private sealed record Template(string? Key, IReadOnlyDictionary<string, string> Headers, TimeSpan? Delay, string? ContentType)
    {
        public Message Build(byte[] body)
        {
            var message = new Message(body) { Key = Key, DeliverAfter = Delay, ContentType = ContentType };
            foreach (var (name, value) in Headers)
            {
                message.Headers[name] = value;
            }

            return message;
        }
    }
}
