using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>The retained-message header travels over omnibus:// to the server's engine, its clearing included.</summary>
public sealed class RetainedTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RetainedPublish_OverOmnibus_ReachesNewGroupsAcrossAServerRestart_UntilAnEmptyOneClearsIt()
    {
        await using (var publisher = _server.Connect())
        {
            await publisher.PublishAsync("status", RetainedProbe.Retained("current"));
        }

        await _server.ReplaceAsync();
        await using var client = _server.Connect();
        Assert.Equal("current", await RetainedProbe.FirstOfNewGroupAsync(client, "status", "after-restart", Timeout));

        await client.PublishAsync("status", RetainedProbe.Retained(string.Empty));

        Assert.Equal("next", await RetainedProbe.FirstOfNewGroupAsync(client, "status", "after-clear", Timeout));
    }
}
