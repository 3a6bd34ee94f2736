using Omnibus.Conformance;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>The conformance suite against Google's Pub/Sub emulator; every topic and group is unique to the run.</summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubConformanceTests(PubSubEmulator emulator) : BrokerConformanceTests
{
    protected override IBroker CreateConnection()
    {
        emulator.Require();
        return Omnibus.Broker.Connect(emulator.ConnectionString);
    }
}
