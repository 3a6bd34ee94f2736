using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class OutputFunctions(Probe probe)
{
    [FunctionName("Shapes")]
    public async Task Shapes(
        [BrokerTrigger("shapes")] string body,
        [Broker("out-string")] IAsyncCollector<string> strings,
        [Broker("out-poco")] IAsyncCollector<Order> orders,
        [Broker("out-sync")] ICollector<string> sync,
        [Broker("out-message")] IAsyncCollector<Message> messages)
    {
        await strings.AddAsync("s:" + body);
        await orders.AddAsync(new Order(body, 2));
        sync.Add("sync:" + body);
        var message = new Message("m"u8.ToArray()) { Key = "mk", DeliverAfter = TimeSpan.FromMilliseconds(1) };
        message.Headers["h"] = "v";
        await messages.AddAsync(message);
    }

    [FunctionName("Outs")]
    public void Outs([BrokerTrigger("outs")] string body, [Broker("out-bytes")] out byte[] bytes, [Broker("out-array")] out string[] many, [Broker("out-single-message", Key = "{MessageId}")] out Message single)
    {
        bytes = [1, 2];
        many = ["a:" + body, "b:" + body];
        single = Message.FromString("single");
    }

    [FunctionName("Returns")]
    [return: Broker("out-return")]
    public Order Returns([BrokerTrigger("returns")] string body) => new(body.ToUpperInvariant(), 1);

    [FunctionName("FailsAfterOutput")]
    public async Task FailsAfterOutput([BrokerTrigger("fails", MaxDeliveryAttempts = 2)] string body, [Broker("never")] IAsyncCollector<string> output)
    {
        await output.AddAsync("should not be sent");
        probe["FailsAfterOutput"].Add(body);
        throw new InvalidOperationException("fails after adding output");
    }
}

public sealed class RelayFunctions(Probe probe)
{
    [FunctionName("Relay")]
    public void Relay([BrokerTrigger("relay", Connection = "Flaky", MaxConcurrency = 1, MaxDeliveryAttempts = 1000)] Message message, [Broker("relayed", Connection = "Flaky")] out string output)
    {
        probe.Get<int>("Relay").Add(message.DeliveryAttempt);
        output = "relayed " + message.GetString();
    }
}

public sealed class OutputTests
{
    private static readonly Type[] Functions = [typeof(OutputFunctions)];

    [Fact]
    public async Task Output_CollectorShapes_PublishStringPocoSyncAndMessage()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var strings = await host.WatchAsync("out-string");
        var orders = await host.WatchAsync("out-poco");
        var sync = await host.WatchAsync("out-sync");
        var messages = await host.WatchAsync("out-message");
        await host.PublishAsync("shapes", "x1");

        await strings.WaitForCountAsync(1, TestHost.Timeout);
        await orders.WaitForCountAsync(1, TestHost.Timeout);
        await sync.WaitForCountAsync(1, TestHost.Timeout);
        await messages.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("s:x1", strings.Items[0].GetString());
        Assert.Equal(new Order("x1", 2), orders.Items[0].GetBody<Order>());
        Assert.Equal("sync:x1", sync.Items[0].GetString());
        Assert.Equal(("m", "mk", "v"), (messages.Items[0].GetString(), messages.Items[0].Key, messages.Items[0].GetHeader("h")));
    }

    [Fact]
    public async Task Output_OutParametersAndArrays_PublishEachItem()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var bytes = await host.WatchAsync("out-bytes");
        var many = await host.WatchAsync("out-array");
        var single = await host.WatchAsync("out-single-message");
        await host.PublishAsync("outs", new Message("o"u8.ToArray()) { Id = "in-7" });

        await bytes.WaitForCountAsync(1, TestHost.Timeout);
        await many.WaitForCountAsync(2, TestHost.Timeout);
        await single.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal(new byte[] { 1, 2 }, bytes.Items[0].Body.ToArray());
        Assert.Equal(["a:o", "b:o"], many.Items.Select(m => m.GetString()).Order());
        Assert.Equal(("single", "in-7"), (single.Items[0].GetString(), single.Items[0].Key));
    }

    [Fact]
    public async Task Output_ReturnValue_Published()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var returned = await host.WatchAsync("out-return");
        await host.PublishAsync("returns", "abc");
        await returned.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("ABC", returned.Items[0].GetBody<Order>().OrderId);
    }

    [Fact]
    public async Task Output_FailedInvocation_PublishesNothing()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var never = await host.WatchAsync("never");
        var dead = await host.WatchAsync("fails.dlq");
        await host.PublishAsync("fails", "boom");

        // Both attempts ran and failed; the dead-letter copy is published after the last one.
        await dead.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal(2, host.Probe["FailsAfterOutput"].Count);

        // A marker published to the output topic after the dead-letter arrives before anything the failed runs could have sent.
        await host.PublishAsync("never", "marker");
        await never.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal("marker", Assert.Single(never.Items).GetString());
    }

    [Fact]
    public async Task Output_PublishFails_InvocationFailsAndTriggerMessageRedelivered()
    {
        var control = new FlakyControl();
        var name = "flaky-" + Guid.NewGuid().ToString("N");
        control.SetPublishFailing("relayed", true);
        await using var host = await TestHost.StartAsync([typeof(RelayFunctions)], new Dictionary<string, string?> { ["Flaky"] = "flaky://" + name }, o => o.Registry = FlakyDriverFactory.Registry(control));
        await using var client = Broker.Connect("memory://" + name);
        var relayed = new Conformance.Recorder<Message>();
        await using var watch = await client.SubscribeAsync(new SubscriptionOptions("relayed", "watch"), (m, _) => { relayed.Add(m); return default; });
        var attempts = host.Probe.Get<int>("Relay");

        await client.PublishAsync("relay", Message.FromString("r1"));
        await attempts.WaitForCountAsync(2, TestHost.Timeout); // the first publish failed, so the message came back
        control.SetPublishFailing("relayed", false);
        await relayed.WaitForCountAsync(1, TestHost.Timeout);

        Assert.Equal([1, 2], attempts.Items.Take(2));
        Assert.Equal("relayed r1", relayed.Items[0].GetString());
        Assert.IsType<PublishException>(host.Logs.Events.Items.First(e => e.Id.Id == 1003).Error);
    }
}
