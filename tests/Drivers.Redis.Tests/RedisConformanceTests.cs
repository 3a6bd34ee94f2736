using Omnibus.Conformance;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// The conformance suite against a real redis-server. A short claimIdle brings back quickly what a closed consumer
/// could not hand back (none of the scenarios depends on it: released entries are claimable at once).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConformanceTests(RedisServer server) : BrokerConformanceTests
{
    protected override IBroker CreateConnection()
    {
        server.Require();
        return Omnibus.Broker.Connect(server.ConnectionString("claimIdle=5s&claimInterval=200ms"));
    }
}
