using Omnibus.Conformance;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>The conformance suite against a real nats-server with JetStream; every topic and group is unique to the run.</summary>
[Collection(NatsCollection.Name)]
public sealed class NatsConformanceTests(NatsServer server) : BrokerConformanceTests
{
    protected override IBroker CreateConnection()
    {
        server.Require();
        return Omnibus.Broker.Connect(server.ConnectionString);
    }
}
