using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>Topics, groups, peek and backlog through the public contract (<see cref="IBroker.Admin"/>, <see cref="IBroker.Backlog"/>).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisAdminTests(RedisServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task Backlog_CountsReadyInFlightAndNackDelayed_UntilAcknowledged()
    {
        server.Require();
        var (topic, group) = Names("backlog");
        await using var broker = Broker.Connect(server.ConnectionString("prefetch=4"));
        var options = new SubscriptionOptions(topic, group);
        await (await broker.OpenDeliveriesAsync(options)).DisposeAsync(); // the group exists, at the start of the stream
        Assert.Equal(0, await broker.Backlog!.GetBacklogAsync(topic, group, default));
        (await broker.PublishBatchAsync(topic, [.. Enumerable.Range(0, 10).Select(i => Message.FromString($"m{i}"))])).ThrowIfAnyFailed(topic, "redis");
        Assert.Equal(10, await broker.Backlog.GetBacklogAsync(topic, group, default));

        await using var source = await broker.OpenDeliveriesAsync(options);
        var taken = await TakeAsync(source, 4);
        await taken[0].AckAsync();
        await taken[1].AckAsync();
        await taken[2].NackAsync(TimeSpan.FromMinutes(5)); // waiting out its delay: still to be handled
        // 6 never delivered, taken[3] in flight, taken[2] delayed.
        Assert.Equal(8, await broker.Backlog.GetBacklogAsync(topic, group, default));
        var info = Assert.Single(await broker.Admin!.GetGroupsAsync(topic, default));
        Assert.Equal((topic, group, 8L, 0L, 1), (info.Topic, info.Group, info.Lag, info.DeadLettered, info.Members));
        Assert.InRange(info.InFlight, 2, 5); // the two taken, plus what the consumer fetched ahead since (prefetch 4)

        await taken[3].AckAsync();
        var rest = await TakeAsync(source, 4);
        foreach (var delivery in rest)
        {
            await delivery.AckAsync();
        }

        Assert.Equal(3, await broker.Backlog.GetBacklogAsync(topic, group, default)); // 2 never delivered + the delayed one
        Assert.Null(await broker.Backlog.GetBacklogAsync(topic, "no-such-group", default));
        Assert.Null(await broker.Backlog.GetBacklogAsync("no-such-topic-" + group, group, default));
    }

    [ConformanceFact]
    public async Task Topics_Groups_Peek_SeeWhatWasPublished_UnderThePrefixOnly()
    {
        server.Require();
        var (topic, group) = Names("admin");
        var prefix = $"app-{group}:";
        await using var broker = Broker.Connect(server.ConnectionString($"prefix={prefix}"));
        await using var other = Broker.Connect(server.ConnectionString());
        await other.PublishAsync(topic, Message.FromString("outside the prefix"));
        var sent = Enumerable.Range(0, 5).Select(i => Message.FromString($"p{i}").WithKey($"k{i}")).ToList();
        foreach (var m in sent)
        {
            await broker.PublishAsync(topic, m);
        }

        await broker.PublishAsync(topic + ".dlq", Message.FromString("dead"));
        var seen = new Recorder<Message>();
        await using (var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, group), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(5, Timeout);
        }

        var topics = await broker.Admin!.GetTopicsAsync(default);
        Assert.Equal([topic, topic + ".dlq"], topics.Select(t => t.Name));
        Assert.Equal((5L, 5L, 1), (topics[0].Messages, topics[0].Published, topics[0].Partitions));
        Assert.True(topics[0].Bytes > 0);
        Assert.Contains(await other.Admin!.GetTopicsAsync(default), t => t.Name == topic && t.Messages == 1);

        var groups = await broker.Admin.GetGroupsAsync(null, default);
        var info = Assert.Single(groups);
        Assert.Equal((topic, group, 0L, 0L, 1L), (info.Topic, info.Group, info.Lag, info.InFlight, info.DeadLettered));

        var peeked = await broker.Admin.PeekAsync(topic, 3, default);
        Assert.Equal(sent.Take(3).Select(m => m.Id), peeked.Select(m => m.Id));
        Assert.Equal(["k0", "k1", "k2"], peeked.Select(m => m.Key));
        Assert.Empty(await broker.Admin.PeekAsync("nothing-here-" + group, 3, default));
    }

    private static (string Topic, string Group) Names(string what)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return ($"{what}-{run}", $"g-{run}");
    }

    private async Task<List<Delivery>> TakeAsync(IDeliverySource source, int count)
    {
        var taken = new List<Delivery>();
        using var timeout = new CancellationTokenSource(Timeout);
        while (taken.Count < count && await source.WaitToReadAsync(timeout.Token))
        {
            while (taken.Count < count && source.TryRead(out var delivery))
            {
                taken.Add(delivery);
            }
        }

        Assert.Equal(count, taken.Count);
        return taken;
    }
}
