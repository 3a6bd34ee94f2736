using Omnibus.Drivers;
using Omnibus.Drivers.Omnibus;

namespace Omnibus.Server.Tests;

/// <summary>Token authentication and per-topic permissions.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string AdminToken = "admin-secret";
    private const string TopicAToken = "topic-a-secret";
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.Tokens[AdminToken] = TokenGrant.All;
        o.Tokens[TopicAToken] = new TokenGrant { Publish = ["a.*"], Subscribe = ["a.*"] };
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Publish_WithoutToken_RejectedWithClearError()
    {
        await using var client = _server.Connect();
        var error = await Assert.ThrowsAsync<PublishException>(async () => await client.PublishAsync("a.orders", Message.FromString("x")));
        var cause = Assert.IsType<OmnibusServerException>(error.InnerException);
        Assert.Equal("Unauthenticated", cause.Code);
        Assert.Contains("Authentication required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_WithWrongToken_RejectedWithClearError()
    {
        await using var client = _server.Connect("token=not-a-token");
        var error = await Assert.ThrowsAsync<OmnibusServerException>(async () => await client.SubscribeAsync(new SubscriptionOptions("a.orders", "g"), (_, _) => default));
        Assert.Equal("Unauthenticated", error.Code);
        Assert.Contains("token is not valid", error.Message, StringComparison.Ordinal);
        Assert.True(_server.Stats.Rejected >= 1);
    }

    [Fact]
    public async Task TopicAToken_CannotPublishSubscribeOrInspectTopicB()
    {
        await using var admin = _server.Connect($"token={AdminToken}");
        await admin.PublishAsync("b.secrets", Message.FromString("for b only"));
        await using var client = Broker.Connect(_server.ConnectionString.Replace("omnibus://", $"omnibus://:{TopicAToken}@", StringComparison.Ordinal));

        var publish = await Assert.ThrowsAsync<PublishException>(async () => await client.PublishAsync("b.secrets", Message.FromString("x")));
        Assert.Equal("Forbidden", Assert.IsType<OmnibusServerException>(publish.InnerException).Code);
        var subscribe = await Assert.ThrowsAsync<OmnibusServerException>(async () => await client.SubscribeAsync(new SubscriptionOptions("b.secrets", "g"), (_, _) => default));
        Assert.Equal("Forbidden", subscribe.Code);
        Assert.Contains("may not read topic 'b.secrets'", subscribe.Message, StringComparison.Ordinal);

        var inspect = client.Admin!;
        Assert.Equal("Forbidden", (await Assert.ThrowsAsync<OmnibusServerException>(async () => await inspect.PeekAsync("b.secrets", 10, default))).Code);
        Assert.Equal("Forbidden", (await Assert.ThrowsAsync<OmnibusServerException>(async () => await inspect.GetGroupsAsync("b.secrets", default))).Code);
        Assert.Equal("Forbidden", (await Assert.ThrowsAsync<OmnibusServerException>(async () => await client.Backlog!.GetBacklogAsync("b.secrets", "g", default))).Code);

        // The refusals did not cost the connection: topic A still works on it.
        var received = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("a.orders", "g"), (m, _) => { received.TrySetResult(m); return default; });
        await client.PublishAsync("a.orders", Message.FromString("hello a"));
        Assert.Equal("hello a", (await received.Task.WaitAsync(TimeSpan.FromSeconds(30))).GetString());
    }

    [Fact]
    public void ConnectionString_TokenAsPassword_NeverShown()
    {
        var parsed = ConnectionString.Parse($"omnibus://:{TopicAToken}@127.0.0.1:7470");
        Assert.DoesNotContain(TopicAToken, parsed.ToString(), StringComparison.Ordinal);
        var driver = new OmnibusDriverFactory().Create(parsed, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Assert.DoesNotContain(TopicAToken, driver.ToString() ?? string.Empty, StringComparison.Ordinal);
    }
}
