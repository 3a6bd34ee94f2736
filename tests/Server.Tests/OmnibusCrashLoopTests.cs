using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>
/// The crash-loop scenario against <c>omnibus://</c>: the handler's process dies, the server stays up; the server
/// counts a delivery as an attempt when it hands it out, and a lost connection hands it back with the count kept.
/// </summary>
public sealed class OmnibusCrashLoopTests : CrashLoopConformanceTests
{
    private TestServer? _server;

    protected override string ConnectionString => _server!.ConnectionString;

    public override async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(serve: data => Omnibus.Broker.Connect($"embedded://{data}"));

    public override async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
