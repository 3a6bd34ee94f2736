using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class TwoOutputFunctions(Probe probe)
{
    [FunctionName("TwoOutputs")]
    public async Task TwoOutputs(
        [BrokerTrigger("two-in", Connection = "Flaky", MaxDeliveryAttempts = 5)] Message message,
        [Broker("two-first", Connection = "Flaky")] IAsyncCollector<string> first,
        [Broker("two-second", Connection = "Flaky")] IAsyncCollector<string> second)
    {
        probe.Get<int>("TwoOutputs").Add(message.DeliveryAttempt);
        await first.AddAsync("first of " + message.GetString());
        await first.AddAsync("first again of " + message.GetString());
        await second.AddAsync("second of " + message.GetString());
    }

    [FunctionName("Downstream")]
    public void Downstream([BrokerTrigger("two-first", Connection = "Flaky")] Message message) => probe["Downstream"].Add(message.GetString());
}

/// <summary>
/// A retried invocation publishes its outputs again with the ids of the first attempt, so a deduplicating broker (or
/// the idempotent-consumer middleware) drops the repeats: downstream sees each output once.
/// </summary>
public sealed class RetrySafeOutputTests
{
    private static readonly Type[] Functions = [typeof(TwoOutputFunctions)];

    [Fact]
    public async Task SecondOutputFailsOnce_OnMemoryWithTheMiddleware_DownstreamSeesEachOutputOnce()
    {
        var control = new FlakyControl();
        var name = "retry-safe-" + Guid.NewGuid().ToString("N");
        control.FailNextPublishes("two-second", 1);
        // dedupeWindow=0: memory:// keeps every publish, so only the middleware can drop the repeats.
        await using var host = await TestHost.StartAsync(
            Functions,
            new Dictionary<string, string?> { ["Flaky"] = "flaky://" + name, ["AzureWebJobs:extensions:broker:idempotentConsumer"] = "true" },
            o => o.Registry = FlakyDriverFactory.Registry(control, location => $"memory://{location}?dedupeWindow=0"));
        await using var client = Broker.Connect("memory://" + name + "?dedupeWindow=0");
        var second = await WatchAsync(client, "two-second");
        var firstRaw = await WatchAsync(client, "two-first");

        await client.PublishAsync("two-in", Message.FromString("o1"));
        await second.WaitForCountAsync(1, TestHost.Timeout);
        await firstRaw.WaitForCountAsync(4, TestHost.Timeout); // both attempts' first outputs reached the broker

        var downstream = host.Probe["Downstream"];
        await downstream.WaitForCountAsync(2, TestHost.Timeout);
        await client.PublishAsync("two-first", Message.FromString("marker"));
        await downstream.WaitUntilAsync(items => items.Contains("marker"), TestHost.Timeout, "the marker behind the outputs");

        Assert.Equal([1, 2], host.Probe.Get<int>("TwoOutputs").Items);
        Assert.Equal(["first again of o1", "first of o1", "marker"], downstream.Items.Order(StringComparer.Ordinal));
        var outputs = firstRaw.Items.Where(m => m.GetString() != "marker").ToArray();
        Assert.Equal([2, 2], outputs.GroupBy(m => m.Id).Select(g => g.Count())); // the same two ids on both attempts
        Assert.Equal(2, outputs.Select(m => m.Id).Distinct().Count());
    }

    [Fact]
    public async Task SecondOutputFailsOnce_OnEmbeddedQos2_TheBrokerStoresEachOutputOnce()
    {
        var control = new FlakyControl();
        var directory = Path.Combine(Path.GetTempPath(), "omnibus-retry-safe-" + Guid.NewGuid().ToString("N"));
        var connection = $"embedded://{directory}?qos=2";
        control.FailNextPublishes("two-second", 1);
        try
        {
            await using (var host = await TestHost.StartAsync(
                [typeof(TwoOutputFunctions)],
                new Dictionary<string, string?> { ["Flaky"] = "flaky://x" },
                o => o.Registry = FlakyDriverFactory.Registry(control, _ => connection)))
            {
                await using var client = Broker.Connect(connection);
                var second = await WatchAsync(client, "two-second");
                await client.PublishAsync("two-in", Message.FromString("e1"));
                await second.WaitForCountAsync(1, TestHost.Timeout);
                await host.Probe["Downstream"].WaitForCountAsync(2, TestHost.Timeout);
                Assert.Equal([1, 2], host.Probe.Get<int>("TwoOutputs").Items);
                Assert.True(control.PublishesTo("two-first") >= 2, "the first outputs were published on both attempts");

                var stored = await client.Admin!.PeekAsync("two-first", 100, CancellationToken.None);
                Assert.Equal(["first again of e1", "first of e1"], stored.Select(m => m.GetString()).Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Conformance.Recorder<Message>> WatchAsync(IBroker broker, string topic)
    {
        var recorder = new Conformance.Recorder<Message>();
        await broker.SubscribeAsync(new SubscriptionOptions(topic, "watch-" + Guid.NewGuid().ToString("N")), (m, _) => { recorder.Add(m); return default; });
        return recorder;
    }
}
