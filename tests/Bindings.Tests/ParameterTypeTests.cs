using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed record Order(string OrderId, decimal Amount, string? Customer = null);

public sealed class ParameterFunctions(Probe probe)
{
    [FunctionName("Text")]
    public void Text([BrokerTrigger("text")] string body) => probe["Text"].Add(body);

    [FunctionName("Bytes")]
    public void Bytes([BrokerTrigger("bytes")] byte[] body) => probe["Bytes"].Add(Convert.ToHexString(body));

    [FunctionName("Memory")]
    public void Memory([BrokerTrigger("memory")] ReadOnlyMemory<byte> body) => probe["Memory"].Add(Convert.ToHexString(body.Span));

    [FunctionName("Poco")]
    public void Poco([BrokerTrigger("poco")] Order order) => probe.Get<Order>("Poco").Add(order);

    [FunctionName("Raw")]
    public void Raw([BrokerTrigger("raw")] Message message) => probe.Get<Message>("Raw").Add(message);

    [FunctionName("Data")]
    public void Data([BrokerTrigger("data")] string body, string topic, string messageId, string key, int deliveryAttempt, IDictionary<string, string> headers) =>
        probe["Data"].Add($"{body}|{topic}|{messageId}|{key}|{deliveryAttempt}|{headers["h"]}");

    [FunctionName("Expressions")]
    public void Expressions(
        [BrokerTrigger("expr")] Order order,
        [Broker("replies-{Key}")] out string byKey,
        [Broker("order-{OrderId}")] out string byMember,
        [Broker("to-{Headers.replyTo}")] out string byHeader,
        [Broker("%OutTopic%", CorrelationId = "{MessageId}", Key = "{Customer}", Headers = "source={Topic};attempt={DeliveryAttempt}")] out string decorated)
    {
        byKey = "k:" + order.OrderId;
        byMember = "m:" + order.OrderId;
        byHeader = "h:" + order.OrderId;
        decorated = "d:" + order.OrderId;
    }
}

public sealed class SettingFunctions(Probe probe)
{
    [FunctionName("Settings")]
    public void Settings([BrokerTrigger("%InTopic%", Group = "%InGroup%", Connection = "%ConnName%", DeadLetterTopic = "%InTopic%-dead")] string body) => probe["Settings"].Add(body);
}

public sealed class ParameterTypeTests
{
    private static readonly Type[] Functions = [typeof(ParameterFunctions)];

    private static Task<TestHost> StartAsync() => TestHost.StartAsync(Functions, new Dictionary<string, string?> { ["OutTopic"] = "decorated" });

    [Fact]
    public async Task Trigger_StringParameter_GetsBodyText()
    {
        await using var host = await StartAsync();
        await host.PublishAsync("text", "héllo");
        await host.Probe["Text"].WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("héllo", host.Probe["Text"].Items[0]);
    }

    [Fact]
    public async Task Trigger_ByteArrayAndMemoryParameters_GetRawBody()
    {
        await using var host = await StartAsync();
        await host.PublishAsync("bytes", Message.From(new byte[] { 1, 2, 255 }));
        await host.PublishAsync("memory", Message.From(new byte[] { 7, 8 }));
        await host.Probe["Bytes"].WaitForCountAsync(1, TestHost.Timeout);
        await host.Probe["Memory"].WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("0102FF", host.Probe["Bytes"].Items[0]);
        Assert.Equal("0708", host.Probe["Memory"].Items[0]);
    }

    [Fact]
    public async Task Trigger_PocoParameter_DecodedFromJson()
    {
        await using var host = await StartAsync();
        await host.PublishAsync("poco", Message.From(new Order("A17", 12.5m, "c-1")));
        var seen = host.Probe.Get<Order>("Poco");
        await seen.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal(new Order("A17", 12.5m, "c-1"), seen.Items[0]);
    }

    [Fact]
    public async Task Trigger_MessageParameter_CarriesIdKeyHeadersAttemptAndTopic()
    {
        await using var host = await StartAsync();
        var sent = new Message("x"u8.ToArray()) { Id = "m-1", Key = "k-1" };
        sent.Headers["tenant"] = "t-9";
        await host.PublishAsync("raw", sent);
        var seen = host.Probe.Get<Message>("Raw");
        await seen.WaitForCountAsync(1, TestHost.Timeout);
        var got = seen.Items[0];
        Assert.Equal(("m-1", "k-1", "t-9", 1, "raw", "x"), (got.Id, got.Key, got.GetHeader("tenant"), got.DeliveryAttempt, got.Topic, got.GetString()));
    }

    [Fact]
    public async Task Trigger_BindingDataParameters_BindByName()
    {
        await using var host = await StartAsync();
        var sent = new Message("b"u8.ToArray()) { Id = "id-5", Key = "key-5" };
        sent.Headers["h"] = "hv";
        await host.PublishAsync("data", sent);
        await host.Probe["Data"].WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("b|data|id-5|key-5|1|hv", host.Probe["Data"].Items[0]);
    }

    [Fact]
    public async Task Output_BindingExpressions_ResolveKeyMembersHeadersAndSettings()
    {
        await using var host = await StartAsync();
        var byKey = await host.WatchAsync("replies-cust-7");
        var byMember = await host.WatchAsync("order-A42");
        var byHeader = await host.WatchAsync("to-alice");
        var decorated = await host.WatchAsync("decorated");
        var sent = new Message(System.Text.Encoding.UTF8.GetBytes("{\"orderId\":\"A42\",\"amount\":3,\"customer\":\"c-3\"}")) { Id = "in-1", Key = "cust-7" };
        sent.Headers["replyTo"] = "alice";
        await host.PublishAsync("expr", sent);

        await byKey.WaitForCountAsync(1, TestHost.Timeout);
        await byMember.WaitForCountAsync(1, TestHost.Timeout);
        await byHeader.WaitForCountAsync(1, TestHost.Timeout);
        await decorated.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("k:A42", byKey.Items[0].GetString());
        Assert.Equal("m:A42", byMember.Items[0].GetString());
        Assert.Equal("h:A42", byHeader.Items[0].GetString());
        var d = decorated.Items[0];
        Assert.Equal(("d:A42", "c-3", "in-1", "expr", "1"), (d.GetString(), d.Key, d.GetHeader(BrokerAttribute.CorrelationIdHeader), d.GetHeader("source"), d.GetHeader("attempt")));
    }

    [Fact]
    public async Task Trigger_PercentSettings_ResolveInEveryStringProperty()
    {
        var named = TestHost.NewConnection();
        await using var host = await TestHost.StartAsync([typeof(SettingFunctions)], new Dictionary<string, string?>
        {
            ["InTopic"] = "from-setting",
            ["InGroup"] = "group-from-setting",
            ["ConnName"] = "NamedConnection",
            ["NamedConnection"] = named,
        });
        await using var other = Broker.Connect(named);
        await other.PublishAsync("from-setting", Message.FromString("via settings"));
        await host.Probe["Settings"].WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("via settings", host.Probe["Settings"].Items[0]);
        await Wait.UntilAsync(async () => await other.Backlog!.GetBacklogAsync("from-setting", "group-from-setting", CancellationToken.None) == 0, TestHost.Timeout, "the group from the setting to acknowledge");
        Assert.Contains(host.Logs.Events.Items, e => e.Id.Id == 2001 && e.Text.Contains("from-setting-dead", StringComparison.Ordinal));
    }
}
