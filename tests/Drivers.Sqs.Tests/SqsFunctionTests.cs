using Omnibus.Bindings.Tests;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>The portable <c>[BrokerTrigger]</c> function on fauxqs: only the connection string changes.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsFunctionTests(FauxqsServer server) : PortableFunctionTests
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
