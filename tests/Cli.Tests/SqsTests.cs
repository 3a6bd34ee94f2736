using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;

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
        var input = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", topic, "--lines", "--connect", connect)).Expect(0);

        // pub created the queue; the group is the first subscriber's (sub below). A group made beforehand by a
        // subscription in another process would leave its last long poll running after it closed, and that poll may
        // take a message and hand it back later: in flight for a moment (CI saw 1).
        var stored = CliJson.Single(await CliJson.RunAsync(connect, "topics"), "name", topic);
        Assert.Equal(10L, stored.GetProperty("messages").GetInt64());

        // A queue has no position to start from but what it holds: `--from earliest` (latest is refused, see below).
        var sub = (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--from", "earliest", "--count", "4", "--connect", connect)).Expect(0);
        Assert.Equal(4, sub.Lines.Count);
        Assert.Equal(4, sub.Lines.Distinct().Count(line => input.Split('\n').Contains(line)));

        // The four were deleted before sub exited; the lag counts the six left, ready or in flight (what sub had
        // received beyond its four it handed back, and a long poll still open when it exited may hold some a while).
        var after = CliJson.Single(await CliJson.RunAsync(connect, "groups", "--topic", topic), "group", "billing");
        Assert.Equal(6L, after.GetProperty("lag").GetInt64());
        Assert.InRange(after.GetProperty("inFlight").GetInt64(), 0, 6);
        Assert.Equal(0L, after.GetProperty("deadLettered").GetInt64());
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
