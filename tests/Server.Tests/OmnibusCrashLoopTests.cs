using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>
/// The crash-loop scenario against <c>omnibus://</c>: the handler's process dies, the server stays up. The client
/// reports STARTED before each handler runs and the server counts the attempt then, so the deliveries the dead client
/// held in its credit window without starting them come back with no attempt used up, in their order.
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
