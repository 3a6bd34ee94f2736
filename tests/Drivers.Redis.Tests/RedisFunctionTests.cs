using Omnibus.Bindings.Tests;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on a real redis-server: only the connection string changes.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisFunctionTests(RedisServer server) : PortableFunctionTests
{
    protected override string ConnectionString
    {
        get
        {
            server.Require();
            return server.ConnectionString();
        }
    }
}
