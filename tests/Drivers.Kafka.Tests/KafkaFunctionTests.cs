using Omnibus.Bindings.Tests;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on librdkafka's mock cluster: only the connection string changes.</summary>
public sealed class KafkaFunctionTests(KafkaMockCluster cluster) : PortableFunctionTests, IClassFixture<KafkaMockCluster>
{
    protected override string ConnectionString
    {
        get
        {
            cluster.Require();
            return cluster.ConnectionString();
        }
    }

    /// <summary>Three group joins (the function, two watchers) on the mock take several seconds each.</summary>
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(60);
}
