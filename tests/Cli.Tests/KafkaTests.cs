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

    public void Dispose() => _clusterOwner.Dispose();
}
