using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;
using Omnibus.Middleware;

namespace Omnibus.Cli.Commands;

/// <summary><c>omnibus dlq replay</c>: moves dead-lettered messages back to the topic they failed on (<see cref="DeadLetter.ReplayAsync"/>).</summary>
internal static class DlqCommand
{
    private static readonly Argument<string> Topic = new("topic") { Description = "The topic whose dead letters (<topic>.dlq) go back." };

    private static readonly Option<int?> Max = new("--max", "-n") { Description = "The most messages to replay (default: all)." };

    private static readonly Option<string?> Group = new("--group", "-g")
    {
        Description = "The consumer group the replay reads <topic>.dlq as; a later replay with it continues after this one. Default: omnibus-replay.",
    };

    public static Command Create()
    {
        var replay = new Command("replay", "Publish each message of <topic>.dlq again to its original topic (without the error headers), then acknowledge it; prints how many.")
        {
            Topic, Max, Group,
        };
        ClientConnection.AddTo(replay);
        replay.SetAction(RunAsync);
        return new Command("dlq", "Dead-letter topics.") { replay };
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var topic = parse.GetRequiredValue(Topic);
        var options = new DeadLetterReplayOptions();
        if (parse.GetValue(Max) is { } max)
        {
            options = options with { Max = InputParsers.RequireRange("--max", max, 1, int.MaxValue) };
        }

        if (parse.GetValue(Group) is { } group)
        {
            options = options with { Group = group };
        }

        using var loggerFactory = CliLogging.Create(LogLevel.Warning);
        await using var broker = ClientConnection.From(parse).Connect(loggerFactory);
        var replayed = await DeadLetter.ReplayAsync(broker, topic, options, cancellationToken).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"replayed {replayed} messages from {options.DeadLetterTopic ?? topic + ".dlq"}")).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
