using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>Topics, groups and the backlog (ready + in flight + delayed) through the public IBrokerAdmin and IBacklogSource.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsAdminTests(FauxqsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task Backlog_CountsReadyInFlightAndDelayed_AdminShowsTopicAndGroup()
    {
        server.Require();
        var topic = "admin.orders-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        for (var i = 0; i < 5; i++)
        {
            await broker.PublishAsync(topic, Message.FromString($"ready-{i}"));
        }

        await broker.PublishAsync(topic, new Message(Message.FromString("later-1").Body) { DeliverAfter = TimeSpan.FromMinutes(5) });
        await broker.PublishAsync(topic, new Message(Message.FromString("later-2").Body) { DeliverAfter = TimeSpan.FromMinutes(5) });
        Assert.Equal(7, await broker.Backlog!.GetBacklogAsync(topic, "billing", default));

        var release = new TaskCompletionSource();
        var handled = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "billing") { Concurrency = 1 }, async (m, ct) =>
        {
            handled.Add(m);
            await release.Task.WaitAsync(ct);
        }))
        {
            await handled.WaitForCountAsync(1, Timeout);
            // One in a handler, more received into the buffer: in flight now, still backlog.
            Assert.Equal(7, await broker.Backlog.GetBacklogAsync(topic, "billing", default));
            var group = Assert.Single(await broker.Admin!.GetGroupsAsync(topic, default));
            Assert.Equal(("billing", 7L, 1), (group.Group, group.Lag, group.Members));
            Assert.InRange(group.InFlight, 1, 5);
            release.SetResult();
            await handled.WaitForCountAsync(5, Timeout);
            await WaitForBacklogAsync(broker, topic, 2);
        }

        var info = Assert.Single(await broker.Admin.GetTopicsAsync(default), t => t.Name == topic);
        Assert.Equal(2, info.Messages);
        Assert.Null(await broker.Backlog.GetBacklogAsync(topic, "another-group", default));
        Assert.Null(await broker.Backlog.GetBacklogAsync("never-" + Guid.NewGuid().ToString("N")[..8], "billing", default));
        await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await broker.Admin.PeekAsync(topic, 1, default));
    }

    private static async Task WaitForBacklogAsync(IBroker broker, string topic, long expected)
    {
        var deadline = DateTime.UtcNow + Timeout;
        long? backlog;
        while ((backlog = await broker.Backlog!.GetBacklogAsync(topic, "billing", default)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100); // polling the queue's counts until the acks are in, with the deadline above
        }

        Assert.Equal(expected, backlog);
    }
}
