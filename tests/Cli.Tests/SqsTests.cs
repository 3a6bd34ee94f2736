using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.Sqs;

namespace Omnibus.Cli.Tests;

/// <summary>
/// <c>topics</c>, <c>groups</c> and <c>sub</c> against the fauxqs SQS emulator (the fixture of tests/Conformance): each
/// command is a fresh process, so what it shows comes from the queue's attributes and its group tag.
/// </summary>
public sealed class SqsTests : IClassFixture<FauxqsServer>
{
    private readonly FauxqsServer _server;

    public SqsTests(FauxqsServer server) => _server = server;

    [ConformanceFact]
    public async Task TopicsAndGroups_FreshProcess_ListTopicAndGroupWithLag_ThatFallsAfterSubHandlesMessages()
    {
        _server.Require();
        var topic = "cli-sqs-" + Guid.NewGuid().ToString("N")[..8];
        var connect = _server.ConnectionString;
        _ = typeof(SqsDriverFactory);
        await CliJson.CreateGroupAsync(connect, topic, "billing");
        var input = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", topic, "--lines", "--connect", connect)).Expect(0);

        var before = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal((10L, 0L), (before.GetProperty("lag").GetInt64(), before.GetProperty("inFlight").GetInt64()));
        var stored = CliJson.Single(await CliJson.RunAsync(connect, "topics"), "name", topic);
        Assert.Equal(10L, stored.GetProperty("messages").GetInt64());

        // A queue has no position to start from but what it holds: `--from earliest` (latest is refused, see below).
        var sub = (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--from", "earliest", "--count", "4", "--connect", connect)).Expect(0);
        Assert.Equal(4, sub.Lines.Count);
        Assert.Equal(4, sub.Lines.Distinct().Count(line => input.Split('\n').Contains(line)));

        // The four were deleted before sub exited, and what else it had received was made visible again.
        var after = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal((6L, 0L), (after.GetProperty("lag").GetInt64(), after.GetProperty("inFlight").GetInt64()));
    }

    [ConformanceFact]
    public async Task Sub_FromLatest_RefusedNamingTheDriverAndWhatIsAllowed()
    {
        _server.Require();
        var topic = "cli-sqs-" + Guid.NewGuid().ToString("N")[..8];
        (await CliProcess.RunWithInputAsync("one", "pub", topic, "--lines", "--connect", _server.ConnectionString)).Expect(0);

        var result = (await CliProcess.RunAsync("sub", topic, "--count", "1", "--timeout", "10s", "--connect", _server.ConnectionString)).Expect(2); // ExitCodes.Usage: a configuration error

        Assert.Contains("StartFrom = Latest is not possible on the sqs:// driver", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Allowed is Earliest", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }
}
