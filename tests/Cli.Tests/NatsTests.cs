using System.Text.Json;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.Nats;

namespace Omnibus.Cli.Tests;

/// <summary>
/// <c>topics</c> and <c>groups</c> against a real nats-server with JetStream (the fixture of tests/Conformance): each
/// command is a fresh process that never touched the topic, so what it shows comes from the server's stream and
/// consumer info.
/// </summary>
public sealed class NatsTests : IClassFixture<NatsServer>
{
    private readonly NatsServer _server;

    public NatsTests(NatsServer server) => _server = server;

    [ConformanceFact]
    public async Task TopicsAndGroups_FreshProcess_ListTopicAndGroupWithLag_ThatFallsAfterSubHandlesMessages()
    {
        _server.Require();
        var topic = "cli-nats-" + Guid.NewGuid().ToString("N")[..8];
        var connect = _server.ConnectionString;
        await CreateGroupAsync(topic, "billing");
        var input = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", topic, "--lines", "--connect", connect)).Expect(0);

        var before = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal((10L, 0L, 0), (before.GetProperty("lag").GetInt64(), before.GetProperty("inFlight").GetInt64(), before.GetProperty("members").GetInt32()));
        var stored = CliJson.Single(await CliJson.RunAsync(connect, "topics"), "name", topic);
        Assert.Equal((10L, 10L), (stored.GetProperty("messages").GetInt64(), stored.GetProperty("published").GetInt64()));

        var sub = (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--count", "4", "--connect", connect)).Expect(0);
        Assert.Equal(4, sub.Lines.Count);
        Assert.Equal(4, sub.Lines.Distinct().Count(line => input.Split('\n').Contains(line)));

        // The sub process acked its four before it exited, and released (Nak) what else it had fetched: the server's
        // consumer info shows a lag of 6 at once. JetStream counts a released message as ack-pending until it is
        // delivered again, so in-flight is the part of the six that sub fetched beyond its four (0 to 6).
        var after = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal(6L, after.GetProperty("lag").GetInt64());
        Assert.InRange(after.GetProperty("inFlight").GetInt64(), 0, 6);
        var table = (await CliProcess.RunAsync("groups", "--topic", topic, "--connect", connect)).Expect(0);
        var row = Assert.Single(table.Lines, l => l.Contains(topic, StringComparison.Ordinal));
        var cells = row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([topic, "billing", "6"], cells[..3]);
        Assert.Equal(["0", "0"], cells[4..]); // dead-lettered, members
    }

    [ConformanceFact]
    public async Task Topics_ServerUnreachable_FailsNamingTheServerNotThePassword()
    {
        _server.Require();

        var result = (await CliProcess.RunAsync("topics", "--connect", "nats://alice:s3cret-pw@127.0.0.1:1?connectTimeout=500ms")).Expect(1);

        Assert.Contains("nats://127.0.0.1:1", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    /// <summary>Creates the group's durable consumer in this process, before anything is published.</summary>
    private Task CreateGroupAsync(string topic, string group)
    {
        _ = typeof(NatsDriverFactory);
        return CliJson.CreateGroupAsync(_server.ConnectionString, topic, group);
    }
}
