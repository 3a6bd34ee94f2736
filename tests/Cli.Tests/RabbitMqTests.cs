using System.Text.Json;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.RabbitMQ;

namespace Omnibus.Cli.Tests;

/// <summary>
/// <c>topics</c> and <c>groups</c> against a real RabbitMQ node with its management plugin (the fixture of
/// tests/Conformance): each command is a fresh process that never touched the topic, so everything it shows comes from
/// the management API. The node's plugin samples every 500 ms, so the tool is asked again until the counts arrive.
/// </summary>
public sealed class RabbitMqTests : IClassFixture<RabbitMqServer>
{
    private readonly RabbitMqServer _server;

    public RabbitMqTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task TopicsAndGroups_WithManagement_ListTopicAndGroupWithLag_ThatFallsAfterSubHandlesMessages()
    {
        _server.Require();
        var topic = "cli-rabbit-" + Guid.NewGuid().ToString("N")[..8];
        var connect = _server.ManagementConnectionString;
        await CreateGroupAsync(topic, "billing");
        var input = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", topic, "--lines", "--connect", _server.ConnectionString)).Expect(0);

        var before = await ShownWhenAsync(["groups", "--topic", topic], g => g.GetProperty("lag").GetInt64() == 10, "lag 10 before anyone consumed", connect);
        Assert.Equal("billing", before.GetProperty("group").GetString());
        Assert.Equal(0, before.GetProperty("inFlight").GetInt64());
        Assert.Equal(0, before.GetProperty("members").GetInt32());
        await ShownWhenAsync(["topics"], t => t.GetProperty("name").GetString() == topic && t.GetProperty("messages").GetInt64() == 10 && t.GetProperty("published").GetInt64() == 10, "the topic with 10 stored and published", connect);

        var sub = (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--count", "4", "--connect", _server.ConnectionString)).Expect(0);
        Assert.Equal(4, sub.Lines.Count);
        // Four different ones of the ten (pub --lines pipelines its publishes, so their order on the broker may differ).
        Assert.Equal(4, sub.Lines.Distinct().Count(line => input.Split('\n').Contains(line)));

        await ShownWhenAsync(["groups", "--topic", topic], g => g.GetProperty("lag").GetInt64() == 6 && g.GetProperty("inFlight").GetInt64() == 0, "lag 6 after sub handled 4", connect);
        var table = (await CliProcess.RunAsync("groups", "--topic", topic, "--connect", connect)).Expect(0);
        var row = Assert.Single(table.Lines, l => l.Contains(topic, StringComparison.Ordinal));
        Assert.Equal([topic, "billing", "6", "0", "0", "0"], row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(topic, (await CliProcess.RunAsync("topics", "--connect", connect)).Expect(0).Stdout, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Topics_ManagementUnreachable_FailsNamingTheUrlNotThePassword()
    {
        _server.Require();

        var result = (await CliProcess.RunAsync("topics", "--connect", $"amqp://guest:s3cret-pw@127.0.0.1:{_server.Port}/?management=http://127.0.0.1:1")).Expect(1);

        Assert.Contains("The RabbitMQ management API at http://127.0.0.1:1/api/", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("could not be reached", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    /// <summary>Declares the group's queue in this process: an exchange without queues drops what is published to it.</summary>
    private Task CreateGroupAsync(string topic, string group)
    {
        _ = typeof(RabbitMqDriverFactory);
        return CliJson.CreateGroupAsync(_server.ConnectionString, topic, group);
    }

    /// <summary>
    /// The entry of <c>omnibus <paramref name="command"/> --json</c> that meets <paramref name="condition"/>, asking again
    /// (each run a new process, which is the poll interval) until the plugin's statistics show it.
    /// </summary>
    private static async Task<JsonElement> ShownWhenAsync(string[] command, Func<JsonElement, bool> condition, string what, string connect)
    {
        var deadline = DateTime.UtcNow + CliProcess.DefaultTimeout;
        var last = "(nothing yet)";
        while (DateTime.UtcNow < deadline)
        {
            var result = (await CliProcess.RunAsync([.. command, "--json", "--connect", connect])).Expect(0);
            last = result.Stdout;
            if (CliJson.Parse(result).EnumerateArray().FirstOrDefault(condition) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }
        }

        throw new TimeoutException($"Timed out waiting for {what}; last 'omnibus {string.Join(' ', command)}' output: {last}");
    }
}
