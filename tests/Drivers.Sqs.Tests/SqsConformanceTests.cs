using Omnibus.Conformance;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>The conformance suite against fauxqs; every topic and group is unique to the run.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsConformanceTests(FauxqsServer server) : BrokerConformanceTests
{
    protected override IBroker CreateConnection()
    {
        server.Require();
        return Omnibus.Broker.Connect(server.ConnectionString);
    }
}
