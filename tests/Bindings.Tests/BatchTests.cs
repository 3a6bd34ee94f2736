using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class BatchFunctions(Probe probe)
{
    [FunctionName("Strings")]
    public void Strings([BrokerTrigger("b-strings", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.200")] string[] bodies) =>
        probe.Get<string[]>("Strings").Add(bodies);

    [FunctionName("Pocos")]
    public void Pocos([BrokerTrigger("b-pocos", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.200")] List<Order> orders) =>
        probe.Get<List<Order>>("Pocos").Add(orders);

    [FunctionName("Bytes")]
    public void Bytes([BrokerTrigger("b-bytes", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.200")] byte[][] bodies, string[] messageIds) =>
        probe.Get<string>("Bytes").Add($"{bodies.Length}:{messageIds.Length}");

    [FunctionName("Messages")]
    public void Messages([BrokerTrigger("b-messages", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.200")] Message[] messages) =>
        probe.Get<Message[]>("Messages").Add(messages);

    [FunctionName("Partial")]
    public void Partial([BrokerTrigger("b-partial", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.200", MaxDeliveryAttempts = 2)] MessageBatch batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            probe.Get<(string, int)>("Partial").Add((batch[i].GetString(), batch[i].DeliveryAttempt));
            if (batch[i].GetString().StartsWith("bad", StringComparison.Ordinal))
            {
                batch.Fail(i, new InvalidOperationException("cannot handle " + batch[i].GetString()));
            }
        }
    }
}

public sealed class BatchTests
{
    private static readonly Type[] Functions = [typeof(BatchFunctions)];

    private static Message[] Texts(params string[] bodies) => bodies.Select(Message.FromString).ToArray();

    [Fact]
    public async Task Batch_StringArray_GetsMessagesInOneInvocation()
    {
        await using var host = await TestHost.StartAsync(Functions);
        await host.Broker.PublishBatchAsync("b-strings", Texts("a", "b", "c"));
        var seen = host.Probe.Get<string[]>("Strings");
        await seen.WaitUntilAsync(items => items.Sum(b => b.Length) >= 3, TestHost.Timeout, "3 messages");
        Assert.Equal(["a", "b", "c"], seen.Items.SelectMany(b => b));
        Assert.True(seen.Count < 3, "batched, not one invocation per message");
    }

    [Fact]
    public async Task Batch_ByteArraysAndMessages_BindWithBatchBindingData()
    {
        await using var host = await TestHost.StartAsync(Functions);
        await host.Broker.PublishBatchAsync("b-bytes", Texts("x", "y"));
        await host.Broker.PublishBatchAsync("b-messages", Texts("m1", "m2"));
        await host.Probe.Get<string>("Bytes").WaitUntilAsync(items => items.Sum(i => int.Parse(i.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)) >= 2, TestHost.Timeout, "2 byte arrays");
        var messages = host.Probe.Get<Message[]>("Messages");
        await messages.WaitUntilAsync(items => items.Sum(b => b.Length) >= 2, TestHost.Timeout, "2 messages");
        Assert.All(host.Probe.Get<string>("Bytes").Items, i => Assert.Equal(i.Split(':')[0], i.Split(':')[1]));
        Assert.Equal(["m1", "m2"], messages.Items.SelectMany(b => b).Select(m => m.GetString()));
        Assert.All(messages.Items.SelectMany(b => b), m => Assert.Equal("b-messages", m.Topic));
    }

    [Fact]
    public async Task Batch_BadJsonEntry_DeadLetteredAloneOthersDelivered()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var dead = await host.WatchAsync("b-pocos.dlq");
        await host.Broker.PublishBatchAsync("b-pocos", [Message.From(new Order("o1", 1)), Message.FromString("{broken"), Message.From(new Order("o3", 3))]);
        var seen = host.Probe.Get<List<Order>>("Pocos");
        await seen.WaitUntilAsync(items => items.Sum(b => b.Count) >= 2, TestHost.Timeout, "the 2 good orders");
        await dead.WaitForCountAsync(1, TestHost.Timeout);

        Assert.Equal(["o1", "o3"], seen.Items.SelectMany(b => b).Select(o => o.OrderId));
        Assert.Equal("{broken", dead.Items[0].GetString());
        Assert.Equal(typeof(MessageDecodeException).FullName, dead.Items[0].GetHeader(HeaderNames.ErrorType));
        await Wait.UntilAsync(async () => await host.BacklogAsync("b-pocos", "Pocos") == 0, TestHost.Timeout, "every entry settled");
    }

    [Fact]
    public async Task Batch_PartialFailure_OnlyFailedEntriesRedeliveredThenDeadLettered()
    {
        await using var host = await TestHost.StartAsync(Functions);
        var dead = await host.WatchAsync("b-partial.dlq");
        await host.Broker.PublishBatchAsync("b-partial", Texts("ok1", "bad2", "ok3"));
        await dead.WaitForCountAsync(1, TestHost.Timeout);
        await Wait.UntilAsync(async () => await host.BacklogAsync("b-partial", "Partial") == 0, TestHost.Timeout, "every entry settled");

        var seen = host.Probe.Get<(string Body, int Attempt)>("Partial").Items;
        Assert.Equal([("ok1", 1), ("ok3", 1)], seen.Where(s => s.Body.StartsWith("ok", StringComparison.Ordinal)).OrderBy(s => s.Body));
        Assert.Equal([1, 2], seen.Where(s => s.Body == "bad2").Select(s => s.Attempt));
        Assert.Equal("bad2", dead.Items[0].GetString());
        Assert.Equal("cannot handle bad2", dead.Items[0].GetHeader(HeaderNames.ErrorMessage));
    }
}
