using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>The conformance suite against <c>omnibus://</c>: a client broker over TCP to an in-process server over <c>embedded://</c>.</summary>
public sealed class OmnibusConformanceTests : BrokerConformanceTests
{
    private TestServer? _server;

    public override async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override IBroker CreateConnection() => _server!.Connect();
}
