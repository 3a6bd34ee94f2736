using Omnibus.Conformance;
using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests;

/// <summary>memory:// behaviour beyond the conformance suite.</summary>
public sealed class MemoryDriverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Backlog_CountsUnacknowledged_AndDropsToZeroWhenHandled()
    {
        await using var broker = Broker.Connect("memory://");
        var backlog = broker.Backlog!;
        Assert.Null(await backlog.GetBacklogAsync("b", "g", default));
        await (await broker.SubscribeAsync(new SubscriptionOptions("b", "g"), (_, _) => default)).CloseAsync();
        for (var i = 0; i < 7; i++)
        {
            await broker.PublishAsync("b", new Message());
        }

        Assert.Equal(7, await backlog.GetBacklogAsync("b", "g", default));
        var seen = new Recorder<Message>();
        var sub = await broker.SubscribeAsync(new SubscriptionOptions("b", "g"), (m, _) => { seen.Add(m); return default; });
        await seen.WaitForCountAsync(7, Timeout);
        await sub.CloseAsync(); // settled before it returns
        Assert.Equal(0, await backlog.GetBacklogAsync("b", "g", default));
    }

    [Fact]
    public async Task UndecodableBody_IsDeadLetteredAtOnce_WithoutTheOtherAttempts()
    {
        await using var broker = Broker.Connect("memory://");
        var dead = new Recorder<Message>();
        var calls = 0;
        await using var dlq = await broker.SubscribeAsync(new SubscriptionOptions("p.dlq", "d"), (m, _) => { dead.Add(m); return default; });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("p", "g") { MaxDeliveryAttempts = 5 }, (m, ct) =>
        {
            Interlocked.Increment(ref calls);
            Assert.NotNull(m.GetBody<ReadmeOrder>());
            return default;
        });
        await broker.PublishAsync("p", Message.FromString("{not json"));
        await dead.WaitForCountAsync(1, Timeout);
        Assert.Equal(1, calls);
        Assert.Equal(typeof(MessageDecodeException).FullName, dead.Items[0].GetHeader(HeaderNames.ErrorType));
        Assert.Equal("1", dead.Items[0].GetHeader(HeaderNames.DeliveryAttempts));
    }

    [Fact]
    public async Task BatchMode_WithConcurrentHandlers_FillsContiguousBatchesInArrivalOrder()
    {
        await using var broker = Broker.Connect("memory://");
        var batches = new Recorder<int[]>();
        var options = new SubscriptionOptions("cb", "g")
        {
            Concurrency = 16,
            Batch = new BatchOptions { MaxSize = 10, MaxWait = TimeSpan.FromSeconds(2) },
        };
        await using var sub = await broker.SubscribeBatchAsync(options, (batch, _) =>
        {
            batches.Add(Enumerable.Range(0, batch.Count).Select(i => int.Parse(batch[i].GetString(), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            return default;
        });
        for (var i = 0; i < 25; i++)
        {
            // One at a time, as a producer would: each arrival finds idle handlers waiting.
            await broker.PublishAsync("cb", Message.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await Task.Yield();
        }

        await batches.WaitUntilAsync(items => items.Sum(b => b.Length) >= 25, Timeout, "25 entries");

        // Eight idle handlers compete for the deliveries, yet each batch is a full, contiguous run of what arrived.
        Assert.Equal([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22, 23, 24]],
            batches.Items.OrderBy(b => b[0]));
    }

    private sealed record ReadmeOrder(string Id);
}
