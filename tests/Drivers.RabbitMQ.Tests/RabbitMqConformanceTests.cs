using Omnibus.Conformance;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>The conformance suite against a real RabbitMQ node; every topic and group is unique to the run.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqConformanceTests : BrokerConformanceTests
{
    private readonly RabbitMqServer _server;

    public RabbitMqConformanceTests(RabbitMqServer server) => _server = server;

    protected override IBroker CreateConnection()
    {
        _server.Require();
        return Omnibus.Broker.Connect(_server.ConnectionString);
    }
}
