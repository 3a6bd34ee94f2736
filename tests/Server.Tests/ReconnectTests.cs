namespace Omnibus.Server.Tests;

/// <summary>The driver reconnects after the server goes away: publishes fail meanwhile, subscriptions resume.</summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ServerRestart_SubscriptionResumes_PublishWorksAgain()
    {
        await using var client = _server.Connect("reconnectDelay=50ms");
        var received = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("restart", "g"), (m, _) => { received[m.GetString()] = true; return default; });
        await client.PublishAsync("restart", Message.FromString("before"));
        await Wait.UntilAsync(() => received.ContainsKey("before"), TimeSpan.FromSeconds(30), "the message before the restart");

        await _server.RestartAsync();

        // The first publishes may meet the dropped connection (PublishException); one soon goes through.
        await Wait.UntilAsync(() => TryPublish(client, "after"), TimeSpan.FromSeconds(30), "a publish after the restart");
        await Wait.UntilAsync(() => received.ContainsKey("after"), TimeSpan.FromSeconds(30), "the resumed subscription receiving");
    }

    private static bool TryPublish(Broker client, string text)
    {
        try
        {
            client.PublishAsync("restart", Message.FromString(text)).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (PublishException)
        {
            return false;
        }
    }
}
