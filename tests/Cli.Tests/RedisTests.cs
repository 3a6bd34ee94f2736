using System.Text.Json;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.Redis;

namespace Omnibus.Cli.Tests;

/// <summary>
/// <c>topics</c> and <c>groups</c> against a real redis-server (the fixture of tests/Conformance): each command is a
/// fresh process that never touched the topic, so what it shows comes from the server (XINFO STREAM, XINFO GROUPS).
/// </summary>
public sealed class RedisTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _server;

    public RedisTests(RedisServer server) => _server = server;

    [ConformanceFact]
    public async Task TopicsAndGroups_FreshProcess_ListTopicAndGroupWithLag_ThatFallsAfterSubHandlesMessages()
    {
        _server.Require();
        var topic = "cli-redis-" + Guid.NewGuid().ToString("N")[..8];
        var connect = _server.ConnectionString();
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

        // The sub process acked its four before it exited; what else it had read it handed back, still pending in the
        // group (claimable at once), so in-flight is that part of the six.
        var after = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal(6L, after.GetProperty("lag").GetInt64());
        Assert.InRange(after.GetProperty("inFlight").GetInt64(), 0, 6);
        Assert.Equal(0L, after.GetProperty("deadLettered").GetInt64());
        var table = (await CliProcess.RunAsync("groups", "--topic", topic, "--connect", connect)).Expect(0);
        var row = Assert.Single(table.Lines, l => l.Contains(topic, StringComparison.Ordinal));
        var cells = row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([topic, "billing", "6"], cells[..3]);
    }

    [ConformanceFact]
    public async Task Topics_ServerUnreachable_FailsNamingTheServerNotThePassword()
    {
        _server.Require();
        var port = LoopbackPort.Free();

        var result = (await CliProcess.RunAsync("topics", "--connect", $"redis://alice:s3cret-pw@127.0.0.1:{port}")).Expect(1);

        Assert.Contains($"127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    /// <summary>Creates the group in this process, before anything is published.</summary>
    private Task CreateGroupAsync(string topic, string group)
    {
        _ = typeof(RedisDriverFactory);
        return CliJson.CreateGroupAsync(_server.ConnectionString(), topic, group);
    }
}
