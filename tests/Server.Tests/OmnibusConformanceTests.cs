using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>The conformance suite against <c>omnibus://</c>: a client broker over TCP to an in-process server over <c>embedded://</c>.</summary>
public class OmnibusConformanceTests : BrokerConformanceTests
{
    private TestServer? _server;

    /// <summary>The query of the served <c>embedded://</c> connection string.</summary>
    protected virtual string EmbeddedOptions => string.Empty;

    public override async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(serve: data => Omnibus.Broker.Connect($"embedded://{data}{EmbeddedOptions}"));
        await base.InitializeAsync();

        // omnibus:// learns the served broker's features when it connects (reading them does no I/O): connect the
        // scenario's first connection now, so that the feature gates see the server's features, not the assumed ones.
        await Broker.Admin!.GetTopicsAsync(CancellationToken.None);
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

/// <summary>The conformance suite against <c>omnibus://</c> serving <c>embedded://</c> at qos=2: the server forwards ExactlyOnce, and it holds over the wire.</summary>
public sealed class OmnibusExactlyOnceConformanceTests : OmnibusConformanceTests
{
    protected override string EmbeddedOptions => "?qos=2";
}
