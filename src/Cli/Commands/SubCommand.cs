using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;

namespace Omnibus.Cli.Commands;

/// <summary>
/// <c>omnibus sub</c>: prints messages as they arrive and acknowledges each once printed. Handles one message at a
/// time, so the output keeps the order the broker delivers in.
/// </summary>
internal static class SubCommand
{
    private static readonly Argument<string> Topic = new("topic") { Description = "The topic to consume." };

    private static readonly Option<string> Group = new("--group", "-g")
    {
        Description = "The consumer group; groups share nothing, members of one group share the messages.",
        DefaultValueFactory = _ => "omnibus-cli",
    };

    private static readonly Option<string> From = new("--from")
    {
        Description = "Where a new group starts: earliest or latest (an existing group continues where it was).",
        DefaultValueFactory = _ => "latest",
    };

    private static readonly Option<int?> Count = new("--count", "-n") { Description = "Exit after this many messages." };

    private static readonly Option<string?> Timeout = new("--timeout")
    {
        Description = "Stop after this long (500ms, 5s, 2m, 00:01:00); with --count, fewer messages by then is a failure (exit 1).",
        HelpName = "duration",
    };

    private static readonly Option<string> Format = new("--format")
    {
        Description = "text: each body on a line; json: one object per line with id, topic, key, headers, attempt, timestamp, contentType, body.",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<bool> CreateTopic = new("--create")
    {
        Description = "Subscribe even when the topic does not exist yet (creating it and the group, to wait for its first message). "
            + "Without it, a topic the broker does not list is an error, so a misspelt name creates nothing.",
    };

    public static Command Create()
    {
        From.AcceptOnlyFromAmong("earliest", "latest");
        Format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("sub", "Print messages of a topic as they arrive, acknowledging each once printed; Ctrl+C stops.")
        {
            Topic, Group, From, Count, Timeout, Format, CreateTopic,
        };
        ClientConnection.AddTo(command);
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var count = parse.GetValue(Count) is { } n ? InputParsers.RequireRange("--count", n, 1, int.MaxValue) : int.MaxValue;
        var timeout = parse.GetValue(Timeout) is { } t ? InputParsers.ParseDuration("--timeout", t) : System.Threading.Timeout.InfiniteTimeSpan;
        var json = parse.GetValue(Format) == "json";
        var options = new SubscriptionOptions(parse.GetRequiredValue(Topic), parse.GetRequiredValue(Group))
        {
            StartFrom = parse.GetValue(From) == "earliest" ? StartPosition.Earliest : StartPosition.Latest,
            DrainTimeout = TimeSpan.FromSeconds(5),
        };
        var connection = ClientConnection.From(parse);

        using var loggerFactory = CliLogging.Create(LogLevel.Warning);
        await using var broker = connection.Connect(loggerFactory);
        if (!parse.GetValue(CreateTopic))
        {
            await RequireTopicAsync(broker, connection, options.Topic, cancellationToken).ConfigureAwait(false);
        }

        await using var output = StrictStandardOutput.Open();
        var printed = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await broker.SubscribeAsync(
            options,
            async (message, ct) =>
            {
                if (Volatile.Read(ref printed) >= count)
                {
                    // Enough printed: hold this one unacknowledged until the close below hands it back to the group.
                    await Task.Delay(System.Threading.Timeout.Infinite, ct).ConfigureAwait(false);
                }

                var line = json ? MessageJson.ToLine(message) : message.GetString();
                try
                {
                    await output.WriteLineAsync(line.AsMemory(), ct).ConfigureAwait(false);
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The reader went away (omnibus sub t | head -1): stop, and leave this message unacknowledged rather
                    // than fail it, which would end in the dead-letter topic after a few such runs.
                    done.TrySetResult();
                    await Task.Delay(System.Threading.Timeout.Infinite, ct).ConfigureAwait(false);
                }

                if (Interlocked.Increment(ref printed) >= count)
                {
                    done.TrySetResult();
                }
            },
            cancellationToken).ConfigureAwait(false);

        await using (subscription.ConfigureAwait(false))
        {
            try
            {
                await done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (count == int.MaxValue)
            {
                // --timeout without --count: the planned end.
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"error: sub: {Volatile.Read(ref printed)} of {count} messages arrived within {parse.GetValue(Timeout)}.")).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: the normal way to stop a subscriber; closing hands unacknowledged messages back.
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Refuses a topic the broker does not hold, where the broker's admin lists every topic: subscribing would create the
    /// topic and a group under a misspelt name without a word. Elsewhere (no admin, or a partial listing) nothing is checked.
    /// </summary>
    private static async Task RequireTopicAsync(Broker broker, ClientConnection connection, string topic, CancellationToken cancellationToken)
    {
        if (broker.Admin is not { } admin || !TopicListing.IsComplete(connection.ConnectionString))
        {
            return;
        }

        var names = (await admin.GetTopicsAsync(cancellationToken).ConfigureAwait(false)).Select(t => t.Name).ToList();
        if (names.Contains(topic, StringComparer.Ordinal))
        {
            return;
        }

        var hint = Omnibus.Internal.EditDistance.Closest(names, topic) is { } closest ? $" Did you mean '{closest}'?" : string.Empty;
        throw new CliUsageException($"sub: topic '{topic}' does not exist on {connection}.{hint} "
            + "Pass --create to subscribe anyway (the topic and the group are created and wait for its first message); 'omnibus topics' lists the topics.");
    }
}
