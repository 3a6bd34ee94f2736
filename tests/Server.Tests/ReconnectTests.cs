using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>
/// The driver after the server goes away: publishes fail meanwhile and work again once it is back; a plain
/// SubscribeAsync is resubscribed by the core and receives again.
/// </summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ServerRestart_SubscriptionResumes_PublishWorksAgain()
    {
        await using var client = _server.Connect("reconnectDelay=50ms");
        var received = new Recorder<string>();
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("restart", "g"), (m, _) => { received.Add(m.GetString()); return default; });
        await client.PublishAsync("restart", Message.FromString("before"));
        await received.WaitUntilAsync(r => r.Contains("before"), Deadline, "the message before the restart");

        await _server.RestartAsync();

        // The first publishes may meet the dropped connection (PublishException); one soon goes through.
        await Wait.UntilAsync(() => TryPublish(client, "restart", "after"), Deadline, "a publish after the restart");
        await received.WaitUntilAsync(r => r.Contains("after"), Deadline, "the resumed subscription receiving");
    }

    [Fact]
    public async Task ServerProcessReplaced_PlainSubscribe_IsResubscribedByTheCoreAndReceives()
    {
        var logs = new CapturingLoggerFactory();
        await using var client = Broker.Connect($"{_server.ConnectionString}?reconnectDelay=50ms&reconnectMaxDelay=500ms", new BrokerClientOptions { LoggerFactory = logs });
        var received = new Recorder<string>();
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("replaced", "g"), (m, _) => { received.Add(m.GetString()); return default; });
        await client.PublishAsync("replaced", Message.FromString("before"));
        await received.WaitUntilAsync(r => r.Contains("before"), Deadline, "the message before the restart");

        // A new broker and server on the same data directory and port: nothing of the old connection survives.
        await _server.ReplaceAsync();
        await Wait.UntilAsync(() => TryPublish(client, "replaced", "after"), Deadline, "a publish to the new server");

        await received.WaitUntilAsync(r => r.Contains("after"), Deadline, "the resubscribed handler receiving");
        Assert.False(sub.Completion.IsCompleted);
        Assert.Contains(logs.Messages, m => m.StartsWith("1011 Consumer of topic replaced, group g on omnibus:// was lost", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith("1012 Resubscribed to topic replaced, group g on omnibus://", StringComparison.Ordinal));
    }

    private static bool TryPublish(Broker client, string topic, string text)
    {
        try
        {
            client.PublishAsync(topic, Message.FromString(text)).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (PublishException)
        {
            return false;
        }
    }
}
