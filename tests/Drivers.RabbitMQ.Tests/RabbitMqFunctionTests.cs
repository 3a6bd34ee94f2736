using Omnibus.Bindings.Tests;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on a real RabbitMQ node: only the connection string changes.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqFunctionTests(RabbitMqServer server) : PortableFunctionTests
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
