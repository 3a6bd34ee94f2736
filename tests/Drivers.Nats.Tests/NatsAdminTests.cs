using System.Diagnostics;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>Topics, groups, peek and backlog through <see cref="IBroker.Admin"/> and <see cref="IBroker.Backlog"/>.</summary>
[Collection(NatsCollection.Name)]
public sealed class NatsAdminTests(NatsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [ConformanceFact]
    public async Task Admin_TopicsGroupsPeek_AndBacklogCountsReadyInFlightAndDelayed()
    {
        server.Require();
        var topic = "admin-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var admin = broker.Admin!;
        var backlog = broker.Backlog!;
        await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(topic, "g"))).DisposeAsync(); // the group exists; nobody consumes
        for (var i = 0; i < 7; i++)
        {
            await broker.PublishAsync(topic, Message.FromString($"m{i}"));
        }

        await broker.PublishAsync(topic + ".dlq", Message.FromString("dead-1"));
        await broker.PublishAsync(topic + ".dlq", Message.FromString("dead-2"));

        Assert.Equal(7, await backlog.GetBacklogAsync(topic, "g", default));
        Assert.Null(await backlog.GetBacklogAsync(topic, "no-such-group", default));
        Assert.Null(await backlog.GetBacklogAsync("no-such-topic-" + topic, "g", default));

        var topics = await admin.GetTopicsAsync(default);
        var info = Assert.Single(topics, t => t.Name == topic);
        Assert.Equal((7L, 7L, 1), (info.Messages, info.Published, info.Partitions));
        Assert.True(info.Bytes > 0);
        Assert.Contains(topics, t => t.Name == topic + ".dlq" && t.Messages == 2);
        Assert.Equal(topics.Select(t => t.Name).Order(StringComparer.Ordinal), topics.Select(t => t.Name));

        var group = Assert.Single(await admin.GetGroupsAsync(topic, default));
        Assert.Equal((topic, "g", 7L, 2L, 0), (group.Topic, group.Group, group.Lag, group.DeadLettered, group.Members));
        Assert.Contains(await admin.GetGroupsAsync(null, default), g => g.Topic == topic && g.Group == "g");

        var peeked = await admin.PeekAsync(topic, 3, default);
        Assert.Equal(["m0", "m1", "m2"], peeked.Select(m => m.GetString()));
        Assert.Empty(await admin.PeekAsync("no-such-topic-" + topic, 3, default));
        Assert.Equal(7, await backlog.GetBacklogAsync(topic, "g", default)); // peeking consumed nothing

        // m0 fails once and waits out a long Nak delay; m1 stays in its handler: both still count, the other five do not.
        var gate = new TaskCompletionSource();
        var handled = new Recorder<string>();
        var options = new SubscriptionOptions(topic, "g")
        {
            Concurrency = 2,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMinutes(1), Max = TimeSpan.FromMinutes(1), Jitter = false },
        };
        await using var sub = await broker.SubscribeAsync(options, async (m, _) =>
        {
            switch (m.GetString())
            {
                case "m0": throw new InvalidOperationException("later");
                case "m1": await gate.Task; break;
            }

            handled.Add(m.GetString());
        });
        await handled.WaitForCountAsync(5, Timeout);
        await WaitForBacklogAsync(backlog, topic, 2);
        var busy = Assert.Single(await admin.GetGroupsAsync(topic, default));
        Assert.Equal((2L, 2L, 1), (busy.Lag, busy.InFlight, busy.Members));

        gate.SetResult();
        await WaitForBacklogAsync(backlog, topic, 1); // only the delayed m0 waits now
    }

    private static async Task WaitForBacklogAsync(IBacklogSource backlog, string topic, long expected)
    {
        var deadline = Stopwatch.StartNew();
        long? last;
        while ((last = await backlog.GetBacklogAsync(topic, "g", default)) != expected)
        {
            Assert.True(deadline.Elapsed < Timeout, $"backlog stayed {last}, expected {expected}");
            await Task.Delay(50); // the server's counters, polled until they reach the expected value or the deadline
        }
    }
}
