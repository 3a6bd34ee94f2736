using System.Net;
using System.Text.Json;
using Omnibus.Conformance;

namespace Omnibus.Server.Http.Tests;

public sealed class AuthTests : IAsyncLifetime
{
    private const string Admin = "admin-secret-token";
    private const string OrdersOnly = "orders-secret-token";
    private const string Reader = "reader-secret-token";
    private readonly CapturingLoggerFactory _logs = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            options =>
            {
                options.Tokens[Admin] = TokenGrant.All;
                options.Tokens[OrdersOnly] = new TokenGrant { Publish = ["orders*"], Subscribe = ["orders*"] };
                options.Tokens[Reader] = new TokenGrant { Subscribe = ["orders"] };
            },
            loggerFactory: _logs);
        using var admin = _server.ClientWith(Admin);
        await admin.PublishAsync("orders", "o");
        await admin.PublishAsync("billing", "b");
        await using (await _server.Broker.SubscribeAsync(new SubscriptionOptions("orders", "og"), (_, _) => default))
        await using (await _server.Broker.SubscribeAsync(new SubscriptionOptions("billing", "bg"), (_, _) => default))
        {
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("POST", "/v1/topics/orders/messages")]
    [InlineData("GET", "/v1/topics/orders/messages")]
    [InlineData("GET", "/v1/topics")]
    [InlineData("GET", "/v1/groups")]
    [InlineData("POST", "/v1/topics/orders/dlq/replay")]
    [InlineData("GET", "/metrics")]
    public async Task AnyEndpoint_NoToken_Returns401SayingATokenIsRequired(string method, string path)
    {
        using var client = _server.ClientWith(null);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("x") : null });

        var problem = await response.JsonAsync(HttpStatusCode.Unauthorized);
        Assert.StartsWith("A token is required: send 'Authorization: Bearer <token>'", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Publish_UnknownToken_Returns401SayingTheTokenIsUnknown()
    {
        using var client = _server.ClientWith("not-a-token");

        var problem = await (await client.PostAsync("/v1/topics/orders/messages", new StringContent("x"))).JsonAsync(HttpStatusCode.Unauthorized);

        Assert.StartsWith("The token is not known to this server", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Publish_BasicAuthorization_Returns401NamingTheBearerScheme()
    {
        using var client = _server.ClientWith(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "YTpi");

        var problem = await (await client.PostAsync("/v1/topics/orders/messages", new StringContent("x"))).JsonAsync(HttpStatusCode.Unauthorized);

        Assert.Equal("The Authorization header must be 'Bearer <token>'.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Health_NoToken_IsOpen()
    {
        using var client = _server.ClientWith(null);

        Assert.Equal("ok", (await client.GetJsonAsync("/health")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("POST", "/v1/topics/billing/messages", "The token may not publish on topic 'billing' (missing permission: publish).")]
    [InlineData("GET", "/v1/topics/billing/messages", "The token may not subscribe on topic 'billing' (missing permission: subscribe).")]
    [InlineData("GET", "/v1/groups?topic=billing", "The token may not subscribe on topic 'billing' (missing permission: subscribe).")]
    [InlineData("POST", "/v1/topics/billing/dlq/replay", "The token may not publish on topic 'billing' (missing permission: publish).")]
    public async Task TopicEndpoints_TokenForOtherTopics_Return403NamingTopicAndPermission(string method, string path, string expected)
    {
        using var client = _server.ClientWith(OrdersOnly);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("x") : null });

        Assert.Equal(expected, (await response.JsonAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Lists_TokenForOrders_ShowOnlyOrders()
    {
        using var client = _server.ClientWith(OrdersOnly);

        var topics = await client.GetJsonAsync("/v1/topics");
        var groups = await client.GetJsonAsync("/v1/groups");
        var metrics = await client.GetStringAsync("/metrics");

        Assert.Equal(["orders"], topics.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["orders/og"], groups.EnumerateArray().Select(g => $"{g.GetProperty("topic").GetString()}/{g.GetProperty("group").GetString()}"));
        Assert.Contains("omnibus_topic_messages{topic=\"orders\"} 1\n", metrics);
        Assert.DoesNotContain("billing", metrics);
        using var admin = _server.ClientWith(Admin);
        Assert.Equal(["billing", "orders"], (await admin.GetJsonAsync("/v1/topics")).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task TopicEndpoints_PermittedToken_Succeed()
    {
        using var client = _server.ClientWith(OrdersOnly);

        await client.PublishAsync("orders.eu", "x");
        Assert.Equal(1, (await client.GetJsonAsync("/v1/topics/orders.eu/messages")).GetArrayLength());
        Assert.Equal(0, (await (await client.PostAsync("/v1/topics/orders/dlq/replay", null)).JsonAsync(HttpStatusCode.OK)).GetProperty("replayed").GetInt32());
    }

    [Fact]
    public async Task Publish_SubscribeOnlyToken_Returns403ButPeekWorks()
    {
        using var client = _server.ClientWith(Reader);

        var problem = await (await client.PostAsync("/v1/topics/orders/messages", new StringContent("x"))).JsonAsync(HttpStatusCode.Forbidden);
        var replay = await (await client.PostAsync("/v1/topics/orders/dlq/replay", null)).JsonAsync(HttpStatusCode.Forbidden);

        Assert.Contains("missing permission: publish", problem.GetProperty("detail").GetString());
        Assert.Contains("topic 'orders'", replay.GetProperty("detail").GetString());
        Assert.Equal(1, (await client.GetJsonAsync("/v1/topics/orders/messages")).GetArrayLength());
    }

    [Fact]
    public async Task Dashboard_TokenQuery_SetsAnHttpOnlyCookieThatAuthorisesGetsOnly()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var browser = new HttpClient(handler) { BaseAddress = _server.Address };

        var redirect = await browser.GetAsync($"/?token={OrdersOnly}");

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/", redirect.Headers.Location?.OriginalString);
        var cookie = redirect.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["orders"], (await browser.GetJsonAsync("/v1/topics")).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        await (await browser.PostAsync("/v1/topics/orders/messages", new StringContent("x"))).JsonAsync(HttpStatusCode.Unauthorized);
        await (await browser.GetAsync("/?token=wrong")).JsonAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("<table id=\"topics\">", await browser.GetStringAsync("/"));
    }

    [Fact]
    public async Task Rejections_AreCountedAndLoggedWithoutTheToken()
    {
        using var anonymous = _server.ClientWith(null);
        using var wrong = _server.ClientWith("wrong-secret-token");
        using var limited = _server.ClientWith(OrdersOnly);
        await anonymous.GetAsync("/v1/topics");
        await wrong.GetAsync("/v1/topics");
        await limited.PostAsync("/v1/topics/billing/messages", new StringContent("x"));

        var metrics = await _server.ClientWith(Admin).GetStringAsync("/metrics");

        Assert.Contains("omnibus_server_rejected_total 3\n", metrics);
        var logged = string.Join("\n", _logs.Messages);
        Assert.Contains("rejected: no token", logged);
        Assert.Contains("rejected: unknown token", logged);
        Assert.Contains("forbidden: no publish permission on topic billing", logged);
        Assert.DoesNotContain("secret-token", logged);
    }
}
