using Omnibus.Conformance;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>The conformance suite against <c>kafka://</c> on librdkafka's mock cluster.</summary>
public sealed class KafkaConformanceTests : BrokerConformanceTests, IClassFixture<KafkaMockCluster>
{
    private readonly KafkaMockCluster _cluster;

    public KafkaConformanceTests(KafkaMockCluster cluster) => _cluster = cluster;

    /// <summary>The mock's first group join takes ~3 s and each rebalance ~5 s (session timeout − 1 s).</summary>
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(60);

    public override Task InitializeAsync()
    {
        _cluster.Require();
        return base.InitializeAsync();
    }

    protected override IBroker CreateConnection() => Omnibus.Broker.Connect(_cluster.ConnectionString());
}
