using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests;

/// <summary>The conformance suite against <c>embedded://</c> at the default qos=1, each test in its own data directory.</summary>
public sealed class EmbeddedConformanceTests : BrokerConformanceTests, IDisposable
{
    private readonly TempDirectory _data = new();

    protected override IBroker CreateConnection() => Omnibus.Broker.Connect($"embedded://{_data.Path}");

    public void Dispose() => _data.Dispose();
}

/// <summary>The conformance suite against <c>embedded://</c> at qos=2 (publish dedupe, durable acks).</summary>
public sealed class EmbeddedExactlyOnceConformanceTests : BrokerConformanceTests, IDisposable
{
    private readonly TempDirectory _data = new();

    protected override IBroker CreateConnection() => Omnibus.Broker.Connect($"embedded://{_data.Path}?qos=2");

    public void Dispose() => _data.Dispose();
}
