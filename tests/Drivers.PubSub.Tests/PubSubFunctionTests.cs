using Omnibus.Bindings.Tests;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on the Pub/Sub emulator: only the connection string changes.</summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubFunctionTests(PubSubEmulator emulator) : PortableFunctionTests
{
    protected override string ConnectionString
    {
        get
        {
            emulator.Require();
            return emulator.ConnectionString;
        }
    }
}
