using System.Text.Json;
using Omnibus.Drivers;
using Omnibus.Embedded;

namespace Omnibus.Cli.Tests;

/// <summary><c>topics</c>, <c>groups</c>, <c>peek</c> and <c>dlq replay</c> against an embedded broker.</summary>
public sealed class AdminTests : TempDirectoryTests
{
    [Fact]
    public async Task TopicsGroupsPeek_Json_ShowPublishedConsumedAndStoredCounts()
    {
        var input = string.Join('\n', Enumerable.Range(1, 5).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", "stock", "--lines", "--connect", Dir.Embedded)).Expect(0);
        (await CliProcess.RunAsync("sub", "stock", "--group", "audit", "--from", "earliest", "--count", "2", "--connect", Dir.Embedded)).Expect(0);

        var topics = CliJson.Parse((await CliProcess.RunAsync("topics", "--json", "--connect", Dir.Embedded)).Expect(0));
        var groups = CliJson.Parse((await CliProcess.RunAsync("groups", "--topic", "stock", "--json", "--connect", Dir.Embedded)).Expect(0));
        var peek = CliJson.Parse((await CliProcess.RunAsync("peek", "stock", "--max", "3", "--json", "--connect", Dir.Embedded)).Expect(0));

        var stock = topics.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "stock");
        Assert.Equal(5, stock.GetProperty("messages").GetInt64());
        Assert.Equal(5, stock.GetProperty("published").GetInt64());
        var audit = groups.EnumerateArray().Single();
        Assert.Equal("audit", audit.GetProperty("group").GetString());
        Assert.Equal(3, audit.GetProperty("lag").GetInt64());
        Assert.Equal(0, audit.GetProperty("inFlight").GetInt64());
        Assert.Equal(["m1", "m2", "m3"], peek.EnumerateArray().Select(m => m.GetProperty("body").GetString()));
    }

    [Fact]
    public async Task Topics_Table_NamesEveryTopic()
    {
        (await CliProcess.RunAsync("pub", "alpha", "x", "--connect", Dir.Embedded)).Expect(0);
        (await CliProcess.RunAsync("pub", "beta", "y", "--connect", Dir.Embedded)).Expect(0);

        var table = (await CliProcess.RunAsync("topics", "--connect", Dir.Embedded)).Expect(0);

        Assert.Contains("alpha", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("beta", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("published", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DlqReplay_DeadLettersOfAFailingSubscription_GoBackToTheirTopic()
    {
        await DeadLetterThreeAsync("orders", "shipping");
        var before = CliJson.Parse((await CliProcess.RunAsync("groups", "--topic", "orders", "--json", "--connect", Dir.Embedded)).Expect(0));

        var replay = (await CliProcess.RunAsync("dlq", "replay", "orders", "--connect", Dir.Embedded)).Expect(0);
        var again = (await CliProcess.RunAsync("dlq", "replay", "orders", "--connect", Dir.Embedded)).Expect(0);
        var sub = (await CliProcess.RunAsync("sub", "orders", "--group", "shipping", "--count", "3", "--format", "json", "--connect", Dir.Embedded)).Expect(0);

        Assert.Equal(3, before.EnumerateArray().Single().GetProperty("deadLettered").GetInt64());
        Assert.Equal("replayed 3 messages from orders.dlq", replay.Stdout.Trim());
        Assert.Equal("replayed 0 messages from orders.dlq", again.Stdout.Trim());
        var after = CliJson.Parse((await CliProcess.RunAsync("groups", "--topic", "orders", "--json", "--connect", Dir.Embedded)).Expect(0));
        Assert.Equal(0, after.EnumerateArray().Single(g => g.GetProperty("group").GetString() == "shipping").GetProperty("deadLettered").GetInt64());
        var replayed = sub.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["o1", "o2", "o3"], replayed.Select(m => m.GetProperty("body").GetString()));
        Assert.All(replayed, m =>
        {
            var headers = m.GetProperty("headers");
            Assert.True(headers.TryGetProperty("omnibus-replay-of", out _));
            Assert.False(headers.TryGetProperty(HeaderNames.ErrorMessage, out _));
        });
    }

    [Fact]
    public async Task DlqReplay_Max_ReplaysOnlyThatMany()
    {
        await DeadLetterThreeAsync("payments", "billing");

        var replay = (await CliProcess.RunAsync("dlq", "replay", "payments", "--max", "2", "--connect", Dir.Embedded)).Expect(0);

        Assert.Equal("replayed 2 messages from payments.dlq", replay.Stdout.Trim());
    }

    /// <summary>Publishes o1..o3 to <paramref name="topic"/> and fails each once in <paramref name="group"/>, in this process, then closes the engine.</summary>
    private async Task DeadLetterThreeAsync(string topic, string group)
    {
        _ = typeof(EmbeddedDriverFactory);
        await using var broker = Broker.Connect(Dir.Embedded);
        var admin = broker.Admin!;
        foreach (var body in new[] { "o1", "o2", "o3" })
        {
            await broker.PublishAsync(topic, Message.FromString(body));
        }

        await using (await broker.SubscribeAsync(
            new SubscriptionOptions(topic, group) { MaxDeliveryAttempts = 1 },
            (_, _) => throw new InvalidOperationException("rejected")))
        {
            using var deadline = new CancellationTokenSource(CliProcess.DefaultTimeout);
            while ((await admin.GetTopicsAsync(deadline.Token)).SingleOrDefault(t => t.Name == topic + ".dlq") is not { Messages: 3 })
            {
                await Task.Delay(20, deadline.Token);
            }

            // Dead-lettering publishes the copy, then acknowledges: wait for the acknowledgements too.
            while ((await admin.GetGroupsAsync(topic, deadline.Token)).Single(g => g.Group == group).Lag != 0)
            {
                await Task.Delay(20, deadline.Token);
            }
        }
    }
}
