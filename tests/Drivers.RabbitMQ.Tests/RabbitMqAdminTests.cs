using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Topics, groups, lag and backlog through <see cref="IBroker.Admin"/> and <see cref="IBroker.Backlog"/> on a real node.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqAdminTests
{
    private static readonly TimeSpan Timeout = AdminWait.Timeout;
    private readonly RabbitMqServer _server;

    public RabbitMqAdminTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task Admin_GroupWithBacklog_LagCountsReadyAndInFlight_AndFallsAsTheConsumerCatchesUp()
    {
        _server.Require();
        var topic = "admin-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var admin = broker.Admin!;
        await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(topic, "g"))).DisposeAsync(); // the group exists; nobody consumes
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync(topic, new Message(new byte[] { (byte)i }));
        }

        Assert.Equal(new TopicInfo(topic, 10, null, 10, 1), Assert.Single(await admin.GetTopicsAsync(default), t => t.Name == topic));
        Assert.Equal(new GroupInfo(topic, "g", 10, 0, 0, 0), Assert.Single(await admin.GetGroupsAsync(topic, default)));

        // Concurrency 1: the core's prefetch is 2, so one message is handled and one buffered while the gate is shut.
        using var gate = new SemaphoreSlim(0);
        var handled = new Recorder<int>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), async (m, ct) =>
        {
            await gate.WaitAsync(ct);
            handled.Add(m.Body.Span[0]);
        });
        var blocked = await AdminWait.ForGroupAsync(admin, topic, g => g.InFlight == 2 && g.Members == 1, "two messages in flight to the one consumer");
        Assert.Equal(10, blocked.Lag); // 8 ready + 2 unacknowledged

        gate.Release(4);
        await handled.WaitForCountAsync(4, Timeout);
        var halfway = await AdminWait.ForGroupAsync(admin, topic, g => g.Lag == 6, "lag 6 after 4 of 10 handled");
        Assert.Equal(2, halfway.InFlight);

        gate.Release(6);
        await handled.WaitForCountAsync(10, Timeout);
        await AdminWait.ForGroupAsync(admin, topic, g => g.Lag == 0 && g.InFlight == 0, "lag 0 once all are handled");
        Assert.Equal(0, await broker.Backlog!.GetBacklogAsync(topic, "g", default));
    }

    [ConformanceFact]
    public async Task Backlog_MessagesWaitingInTheGroupsRetryQueue_Counted()
    {
        _server.Require();
        var topic = "retry-backlog-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var failed = new Recorder<string>();
        var options = new SubscriptionOptions(topic, "g")
        {
            MaxDeliveryAttempts = 5,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMinutes(1), Max = TimeSpan.FromMinutes(1), Jitter = false },
        };
        await using (await broker.SubscribeAsync(options, (m, _) => { failed.Add(m.Id); throw new InvalidOperationException("later"); }))
        {
            for (var i = 0; i < 3; i++)
            {
                await broker.PublishAsync(topic, new Message(new byte[] { 1 }));
            }

            await failed.WaitForCountAsync(3, Timeout);
            await AdminWait.ForGroupAsync(broker.Admin!, topic, g => g.Lag == 3 && g.InFlight == 0, "the three nacked messages counted in the retry queue");
        }

        Assert.Equal(3, await broker.Backlog!.GetBacklogAsync(topic, "g", default));
        Assert.Null(await broker.Backlog.GetBacklogAsync(topic, "no-such-group", default));
    }

    [ConformanceFact]
    public async Task Peek_NotPossibleWithoutConsuming_FeatureNotSupportedSaysWhy()
    {
        _server.Require();
        await using var broker = Broker.Connect(_server.ConnectionString);
        var e = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await broker.Admin!.PeekAsync("any", 10, default));
        Assert.Equal("amqp", e.Driver);
        Assert.Contains("without consuming", e.Message, StringComparison.Ordinal);
    }
}
