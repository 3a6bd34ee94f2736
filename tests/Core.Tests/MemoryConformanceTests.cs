using Omnibus.Conformance;

namespace Omnibus.Tests;

/// <summary>The conformance suite against <c>memory://</c>: every connection of a test reaches one named in-process broker.</summary>
public sealed class MemoryConformanceTests : BrokerConformanceTests
{
    private readonly string _name = "conformance-" + Guid.NewGuid().ToString("N");

    protected override IBroker CreateConnection() => Omnibus.Broker.Connect($"memory://{_name}");
}
