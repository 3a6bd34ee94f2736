using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;
using Omnibus.Drivers;

namespace Omnibus.Cli.Commands;

/// <summary><c>omnibus topics</c>, <c>groups</c> and <c>peek</c>: look inside any broker that can be inspected (<see cref="IBroker.Admin"/> is not null).</summary>
internal static class AdminCommands
{
    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table." };

    private static readonly Option<string?> GroupsTopic = new("--topic", "-t") { Description = "Only the groups of this topic." };

    private static readonly Option<string?> GroupsGroup = new("--group", "-g")
    {
        Description = "Only this group (needs --topic); found by name also where the broker lists no groups to clients (librdkafka's mock cluster).",
    };

    private static readonly Argument<string> PeekTopic = new("topic") { Description = "The topic to look into." };

    private static readonly Option<int> PeekMax = new("--max", "-n") { Description = "The most messages to show, oldest first.", DefaultValueFactory = _ => 20 };

    public static Command CreateTopics() => Create(
        new Command("topics", "List topics: stored and published messages, bytes, partitions.") { Json },
        async (admin, parse, ct) =>
        {
            var topics = await admin.GetTopicsAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(Json))
            {
                CliTables.WriteJson(topics);
                return;
            }

            CliTables.Write(
                ["topic", "stored", "published", "bytes", "partitions"],
                topics.Select(t => (IReadOnlyList<string>)[t.Name, CliTables.Number(t.Messages), CliTables.Number(t.Published), t.Bytes is { } b ? CliTables.Number(b) : "-", t.Partitions.ToString(CultureInfo.InvariantCulture)]));
        });

    public static Command CreateGroups() => Create(
        new Command("groups", "List consumer groups: lag (not yet acknowledged), in flight, dead-lettered (in <topic>.dlq), members.") { GroupsTopic, GroupsGroup, Json },
        async (admin, parse, ct) =>
        {
            var topic = parse.GetValue(GroupsTopic);
            IReadOnlyList<GroupInfo> groups;
            if (parse.GetValue(GroupsGroup) is { } group)
            {
                var found = await admin.GetGroupAsync(topic ?? throw new CliUsageException("'groups --group' needs '--topic': a group is read per topic."), group, ct).ConfigureAwait(false);
                groups = found is null ? [] : [found];
            }
            else
            {
                groups = await admin.GetGroupsAsync(topic, ct).ConfigureAwait(false);
            }

            if (parse.GetValue(Json))
            {
                CliTables.WriteJson(groups);
                return;
            }

            CliTables.Write(
                ["topic", "group", "lag", "in flight", "dead-lettered", "members"],
                groups.Select(g => (IReadOnlyList<string>)[g.Topic, g.Group, CliTables.Number(g.Lag), CliTables.Number(g.InFlight), CliTables.Number(g.DeadLettered), g.Members.ToString(CultureInfo.InvariantCulture)]));
        });

    public static Command CreatePeek() => Create(
        new Command("peek", "Show the oldest stored messages of a topic without consuming or acknowledging anything.") { PeekTopic, PeekMax, Json },
        async (admin, parse, ct) =>
        {
            var max = InputParsers.RequireRange("--max", parse.GetValue(PeekMax), 1, 10_000);
            var messages = await admin.PeekAsync(parse.GetRequiredValue(PeekTopic), max, ct).ConfigureAwait(false);
            if (parse.GetValue(Json))
            {
                WriteJsonArray(messages);
                return;
            }

            CliTables.Write(
                ["id", "time (UTC)", "key", "headers", "body"],
                messages.Select(m => (IReadOnlyList<string>)[m.Id, m.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), m.Key ?? string.Empty, Headers(m), Preview(m)]));
        });

    private static Command Create(Command command, Func<IBrokerAdmin, ParseResult, CancellationToken, Task> run)
    {
        ClientConnection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = ClientConnection.From(parse);
            using var loggerFactory = CliLogging.Create(LogLevel.Warning);
            await using var broker = connection.Connect(loggerFactory);
            if (broker.Admin is not { } admin)
            {
                throw new CliUsageException($"'{command.Name}' needs a broker that can be inspected, and the {broker.Scheme}:// driver cannot. Drivers that can include embedded://<data-dir> and an omnibus server (omnibus://host:port); pub, sub and dlq replay work with {broker.Scheme}://.");
            }

            await run(admin, parse, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteJsonArray(IReadOnlyList<Message> messages)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stdout, MessageJson.Indented))
        {
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                MessageJson.Write(writer, message);
            }

            writer.WriteEndArray();
        }

        stdout.Write("\n"u8);
    }

    private static string Headers(Message message) =>
        message.HasHeaders ? string.Join(' ', message.Headers.Select(h => h.Key + "=" + h.Value)) : string.Empty;

    private static string Preview(Message message)
    {
        const int Max = 60;
        if (!MessageJson.TryText(message.Body, out var text))
        {
            return $"({message.Body.Length} bytes, binary)";
        }

        var line = new StringBuilder(text.Length).Append(text).Replace('\n', ' ').Replace('\r', ' ').ToString();
        return line.Length <= Max ? line : line[..Max] + "…";
    }
}
