using System.Text.Json;
using Confluent.Kafka;

namespace Omnibus.Cli.Tests;

/// <summary>
/// The tool against Kafka with nothing prepared on the machine: the official librdkafka.redist package alone brings the
/// native library. librdkafka's mock cluster (the Kafka wire protocol on loopback TCP) runs in this test process, owned
/// by a producer configured with <c>test.mock.num.brokers</c>; the tool, a child process, connects to it by address as
/// it would to a real broker.
/// </summary>
public sealed class KafkaTests : IDisposable
{
    private readonly IProducer<byte[], byte[]> _clusterOwner;

    public KafkaTests()
    {
        var config = new ProducerConfig();
        config.Set("test.mock.num.brokers", "1");
        _clusterOwner = new ProducerBuilder<byte[], byte[]>(config).Build();
        using var admin = new DependentAdminClientBuilder(_clusterOwner.Handle).Build();
        Bootstrap = string.Join(',', admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    private string Bootstrap { get; }

    [Fact]
    public async Task Pub_ToAKafkaCluster_IsStoredAndReadBackBySub()
    {
        var topic = "cli-kafka-" + Guid.NewGuid().ToString("N");

        var pub = (await CliProcess.RunAsync("pub", topic, "{}", "--connect", $"kafka://{Bootstrap}")).Expect(0);
        // A short session timeout: the mock cluster makes a rebalance wait for it.
        var sub = (await CliProcess.RunAsync("sub", topic, "--from", "earliest", "--count", "1", "--format", "json", "--connect", $"kafka://{Bootstrap}?sessionTimeout=6s")).Expect(0);

        var message = JsonDocument.Parse(Assert.Single(sub.Lines)).RootElement;
        Assert.Equal(pub.Stdout.Trim(), message.GetProperty("id").GetString());
        Assert.Equal(topic, message.GetProperty("topic").GetString());
        Assert.Equal("{}", message.GetProperty("body").GetString());
    }

    [Fact]
    public async Task TopicsAndGroups_ListTopicAndGroup_WithLagThatFallsAsSubCatchesUp()
    {
        var topic = "cli-kafka-" + Guid.NewGuid().ToString("N")[..8];
        // A short session timeout: the mock cluster makes each new member's join wait for it.
        var connect = $"kafka://{Bootstrap}?sessionTimeout=6s";
        var input = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await CliProcess.RunWithInputAsync(input, "pub", topic, "--lines", "--connect", connect)).Expect(0);

        var topics = CliJson.Parse((await CliProcess.RunAsync("topics", "--json", "--connect", connect)).Expect(0));
        var listed = Assert.Single(topics.EnumerateArray(), t => t.GetProperty("name").GetString() == topic);
        Assert.Equal(10, listed.GetProperty("messages").GetInt64());

        // Before its first commit a group counts from its start (earliest, the default): everything stored.
        Assert.Equal(10, LagOf(await GroupsAsync(topic, connect)));

        Assert.Equal(4, (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--from", "earliest", "--count", "4", "--connect", connect)).Expect(0).Lines.Count);
        Assert.Equal(6, LagOf(await GroupsAsync(topic, connect)));

        Assert.Equal(5, (await CliProcess.RunAsync("sub", topic, "--group", "billing", "--count", "5", "--connect", connect)).Expect(0).Lines.Count);
        Assert.Equal(1, LagOf(await GroupsAsync(topic, connect)));

        // The mock cluster lists no groups to a fresh process, so the group is named; a real cluster lists it without.
        var table = (await CliProcess.RunAsync("groups", "--topic", topic, "--group", "billing", "--connect", connect)).Expect(0);
        var row = Assert.Single(table.Lines, l => l.Contains(topic, StringComparison.Ordinal));
        Assert.Equal([topic, "billing", "1"], row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[..3]);
    }

    private static async Task<JsonElement> GroupsAsync(string topic, string connect) =>
        Assert.Single(CliJson.Parse((await CliProcess.RunAsync("groups", "--topic", topic, "--group", "billing", "--json", "--connect", connect)).Expect(0)).EnumerateArray(),
            g => g.GetProperty("group").GetString() == "billing");

    private static long LagOf(JsonElement group) => group.GetProperty("lag").GetInt64();

    public void Dispose() => _clusterOwner.Dispose();
}
