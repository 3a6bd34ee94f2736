using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class AckFunctions(Probe probe)
{
    [FunctionName("FailOnce")]
    public void FailOnce([BrokerTrigger("fail-once", MaxConcurrency = 1)] Message message)
    {
        probe.Get<(string, int)>("FailOnce").Add((message.GetString(), message.DeliveryAttempt));
        if (message.GetString() == "flaky" && message.DeliveryAttempt == 1)
        {
            throw new InvalidOperationException("first attempt fails");
        }
    }

    [FunctionName("Poison")]
    public void Poison([BrokerTrigger("poison", MaxConcurrency = 1)] Order order) => probe.Get<Order>("Poison").Add(order);

    [FunctionName("Random")]
    public void Random([BrokerTrigger("random", MaxDeliveryAttempts = 3)] Message message)
    {
        probe.Get<string>("Random.attempts").Add(message.Id);
        if (System.Random.Shared.NextDouble() < 0.10)
        {
            throw new InvalidOperationException("random failure of " + message.Id);
        }

        probe.Get<string>("Random.ok").Add(message.Id);
    }
}

public sealed class AckTests
{
    private static readonly Type[] Functions = [typeof(AckFunctions)];

    [Fact]
    public async Task Trigger_FunctionThrows_MessageRedeliveredThenAcknowledged()
    {
        await using var host = await TestHost.StartAsync(Functions);
        await host.PublishAsync("fail-once", "flaky");
        var seen = host.Probe.Get<(string Body, int Attempt)>("FailOnce");
        await seen.WaitForCountAsync(2, TestHost.Timeout);
        Assert.Equal([("flaky", 1), ("flaky", 2)], seen.Items);
        await Wait.UntilAsync(async () => await host.BacklogAsync("fail-once", "FailOnce") == 0, TestHost.Timeout, "the redelivered message to be acknowledged");
    }

    [Fact]
    public async Task Trigger_FunctionSucceeds_MessageNeverDeliveredAgain()
    {
        await using var host = await TestHost.StartAsync(Functions);
        await host.PublishAsync("fail-once", "ok");
        await host.PublishAsync("fail-once", "marker");
        var seen = host.Probe.Get<(string Body, int Attempt)>("FailOnce");
        await seen.WaitUntilAsync(items => items.Any(i => i.Body == "marker"), TestHost.Timeout, "the marker");
        await Wait.UntilAsync(async () => await host.BacklogAsync("fail-once", "FailOnce") == 0, TestHost.Timeout, "both to be acknowledged");

        // One at a time: the marker ran after "ok" was settled; had "ok" been rejected it would be back by now, and the backlog says it is not pending.
        Assert.Equal([("ok", 1), ("marker", 1)], seen.Items);
    }

    [Fact]
    public async Task Trigger_BadJson_DeadLetteredAtOnceAndListenerGoesOn()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var dead = await host.WatchAsync("poison.dlq");
        await host.PublishAsync("poison", "{not json");
        await host.PublishAsync("poison", Message.From(new Order("good", 1)));
        var seen = host.Probe.Get<Order>("Poison");
        await seen.WaitForCountAsync(1, TestHost.Timeout);
        await dead.WaitForCountAsync(1, TestHost.Timeout);

        Assert.Equal("good", Assert.Single(seen.Items).OrderId);
        var poison = Assert.Single(dead.Items);
        Assert.Equal("{not json", poison.GetString());
        Assert.Equal(typeof(MessageDecodeException).FullName, poison.GetHeader(HeaderNames.ErrorType));
        Assert.Contains("not valid JSON for Order", poison.GetHeader(HeaderNames.ErrorMessage), StringComparison.Ordinal);
        Assert.Equal("1", poison.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal("Poison", poison.GetHeader(HeaderNames.OriginalGroup));
    }

    [Fact]
    public async Task Trigger_10000MessagesWith10PercentRandomFailures_NothingLost()
    {
        const int count = 10_000;
        await using var host = await TestHost.StartAsync(Functions);
        var dead = await host.WatchAsync("random.dlq");
        var messages = Enumerable.Range(0, count).Select(i => new Message(BitConverter.GetBytes(i)) { Id = "r-" + i }).ToArray();
        (await host.Broker.PublishBatchAsync("random", messages)).ThrowIfAnyFailed("random", "memory");

        var ok = host.Probe.Get<string>("Random.ok");
        await Wait.UntilAsync(() => Task.FromResult(ok.Count + dead.Count >= count), TimeSpan.FromSeconds(120), "every message to succeed or be dead-lettered");
        await Wait.UntilAsync(async () => await host.BacklogAsync("random", "Random") == 0, TestHost.Timeout, "an empty backlog");

        var succeeded = ok.Items.ToHashSet();
        var deadIds = dead.Items.Select(m => m.Id).ToHashSet();
        Assert.Equal(count, succeeded.Count + deadIds.Count);
        Assert.Empty(succeeded.Intersect(deadIds));
        Assert.Equal(messages.Select(m => m.Id).ToHashSet(), succeeded.Union(deadIds).ToHashSet());
        Assert.True(host.Probe.Get<string>("Random.attempts").Count > count, "some invocations failed and were retried");
        Assert.All(dead.Items, m =>
        {
            Assert.Equal("3", m.GetHeader(HeaderNames.DeliveryAttempts));
            Assert.Equal(typeof(InvalidOperationException).FullName, m.GetHeader(HeaderNames.ErrorType));
            Assert.Equal("random failure of " + m.Id, m.GetHeader(HeaderNames.ErrorMessage));
            Assert.Equal("random", m.GetHeader(HeaderNames.OriginalTopic));
        });
    }
}
