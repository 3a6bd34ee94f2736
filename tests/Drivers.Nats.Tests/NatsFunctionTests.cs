using Omnibus.Bindings.Tests;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on a real nats-server: only the connection string changes.</summary>
[Collection(NatsCollection.Name)]
public sealed class NatsFunctionTests(NatsServer server) : PortableFunctionTests
{
    protected override string ConnectionString
    {
        get
        {
            server.Require();
            return server.ConnectionString;
        }
    }
}
