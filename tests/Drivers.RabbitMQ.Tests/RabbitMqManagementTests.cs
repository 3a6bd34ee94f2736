using System.Net;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// Admin and backlog through the management plugin of a real node, asked from a connection that never touched the
/// topic (as a fresh <c>omnibus</c> CLI process would), while another connection publishes and consumes.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqManagementTests
{
    private readonly RabbitMqServer _server;

    public RabbitMqManagementTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task Admin_NewConnection_ListsAnotherConnectionsTopicAndGroup_LagFallsAsItsConsumerCatchesUp()
    {
        _server.Require();
        var topic = "mgmt-" + Guid.NewGuid().ToString("N")[..8];
        await using var worker = Broker.Connect(_server.ConnectionString);
        await (await worker.OpenDeliveriesAsync(new SubscriptionOptions(topic, "g"))).DisposeAsync(); // the group exists; nobody consumes
        for (var i = 0; i < 10; i++)
        {
            await worker.PublishAsync(topic, new Message(new byte[] { (byte)i }));
        }

        await using var observer = Broker.Connect(_server.ManagementConnectionString);
        var admin = observer.Admin!;
        await using (var plain = Broker.Connect(_server.ConnectionString))
        {
            // Without the option a new connection knows nothing of the topic: plain AMQP cannot list.
            Assert.DoesNotContain(topic, (await plain.Admin!.GetTopicsAsync(default)).Select(t => t.Name));
        }

        var listed = await AdminWait.ForTopicAsync(admin, topic, t => t.Messages == 10 && t.Published == 10 && t.Bytes == 10, "10 stored and published, 10 bytes");
        Assert.Equal(new TopicInfo(topic, 10, Bytes: 10, 10, 1), listed); // the plugin samples the byte count on its own: waited for above
        await AdminWait.ForGroupAsync(admin, topic, g => g == new GroupInfo(topic, "g", 10, 0, 0, 0), "lag 10, nobody consuming");

        // Concurrency 1: the core's prefetch is 2, so one message is handled and one buffered while the gate is shut.
        // The observer sees both as unacknowledged: the broker counts them, whichever process holds them.
        using var gate = new SemaphoreSlim(0);
        var handled = new Recorder<int>();
        await using var sub = await worker.SubscribeAsync(new SubscriptionOptions(topic, "g"), async (m, ct) =>
        {
            await gate.WaitAsync(ct);
            handled.Add(m.Body.Span[0]);
        });
        var blocked = await AdminWait.ForGroupAsync(admin, topic, g => g.InFlight == 2 && g.Members == 1, "two messages in flight to the worker's consumer");
        Assert.Equal(10, blocked.Lag);

        gate.Release(4);
        await handled.WaitForCountAsync(4, AdminWait.Timeout);
        var halfway = await AdminWait.ForGroupAsync(admin, topic, g => g.Lag == 6, "lag 6 after 4 of 10 handled");
        Assert.Equal(2, halfway.InFlight);

        gate.Release(6);
        await handled.WaitForCountAsync(10, AdminWait.Timeout);
        await AdminWait.ForGroupAsync(admin, topic, g => g.Lag == 0 && g.InFlight == 0, "lag 0 once all are handled");
        Assert.Equal(0, await observer.Backlog!.GetBacklogAsync(topic, "g", default));
        Assert.Null(await observer.Backlog.GetBacklogAsync(topic, "no-such-group", default));
    }

    [ConformanceFact]
    public async Task Admin_NewConnection_CountsAnotherConnectionsRetryAndDelayQueues()
    {
        _server.Require();
        var topic = "mgmt-retry-" + Guid.NewGuid().ToString("N")[..8];
        await using var worker = Broker.Connect(_server.ConnectionString);
        var failed = new Recorder<string>();
        var options = new SubscriptionOptions(topic, "g")
        {
            MaxDeliveryAttempts = 5,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMinutes(1), Max = TimeSpan.FromMinutes(1), Jitter = false },
        };
        await using var sub = await worker.SubscribeAsync(options, (m, _) => { failed.Add(m.Id); throw new InvalidOperationException("later"); });
        for (var i = 0; i < 3; i++)
        {
            await worker.PublishAsync(topic, new Message(new byte[] { 1 }));
        }

        await worker.PublishAsync(topic, new Message(new byte[] { 2 }) { DeliverAfter = TimeSpan.FromMinutes(1) });
        await failed.WaitForCountAsync(3, AdminWait.Timeout);

        await using var observer = Broker.Connect(_server.ManagementConnectionString);
        var group = await AdminWait.ForGroupAsync(observer.Admin!, topic, g => g.Lag == 4 && g.InFlight == 0 && g.Members == 1, "3 nacked messages in the retry queue and 1 in the delay queue, the one member counted");
        Assert.Equal(1, group.Members);
        Assert.Equal(4, await AdminWait.ForBacklogAsync(observer.Backlog!, topic, "g", 4));
    }

    [ConformanceFact]
    public async Task Groups_DeadLetteredMessages_CountedFromTheDlqTopicsQueues()
    {
        _server.Require();
        var topic = "mgmt-dlq-" + Guid.NewGuid().ToString("N")[..8];
        await using var worker = Broker.Connect(_server.ConnectionString);
        // The dead letters wait in the replay group's queue, declared with them; a group of its own on <topic>.dlq holds
        // a copy of each, which is not counted twice.
        await (await worker.OpenDeliveriesAsync(new SubscriptionOptions(topic + ".dlq", "keep"))).DisposeAsync();
        await using var sub = await worker.SubscribeAsync(new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 1 }, (_, _) => throw new InvalidOperationException("rejected"));
        await worker.PublishAsync(topic, Message.FromString("a"));
        await worker.PublishAsync(topic, Message.FromString("b"));

        await using var observer = Broker.Connect(_server.ManagementConnectionString);
        var group = await AdminWait.ForGroupAsync(observer.Admin!, topic, g => g.DeadLettered == 2 && g.Lag == 0 && g.Members == 1, "both dead-lettered, none left, the one member counted");
        Assert.Equal(1, group.Members);
    }

    [ConformanceFact]
    public async Task Admin_ManagementUnreachable_ErrorNamesTheUrl_NeverAnEmptyList()
    {
        _server.Require();
        // Port 1: nothing listens there; AMQP itself is fine, so only the management API can fail.
        await using var broker = Broker.Connect($"amqp://guest:s3cret-pw@127.0.0.1:{_server.Port}/?management=http://127.0.0.1:1");

        var topics = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Admin!.GetTopicsAsync(default));
        var groups = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Admin!.GetGroupsAsync(null, default));
        var backlog = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Backlog!.GetBacklogAsync("t", "g", default));

        Assert.All([topics, groups, backlog], e =>
        {
            Assert.Null(e.StatusCode);
            Assert.StartsWith("http://127.0.0.1:1/api/", e.Url.AbsoluteUri, StringComparison.Ordinal);
            Assert.Contains("could not be reached", e.Message, StringComparison.Ordinal);
            Assert.Contains(e.Url.AbsoluteUri, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-pw", e.Message, StringComparison.Ordinal);
        });
        // Topics reads both lists at once; whichever failed first is named.
        Assert.Contains(topics.Url.AbsoluteUri, new[] { "http://127.0.0.1:1/api/exchanges/%2F", "http://127.0.0.1:1/api/queues/%2F" });
        Assert.Equal("http://127.0.0.1:1/api/queues/%2F", groups.Url.AbsoluteUri);
    }

    [ConformanceFact]
    public async Task Admin_WrongPassword_UnauthorizedErrorNamesUrlAndUserNotThePassword()
    {
        _server.Require();
        await using var broker = Broker.Connect($"amqp://guest:not-the-password@127.0.0.1:{_server.Port}/?management={Uri.EscapeDataString(_server.ManagementUrl)}");

        var e = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Admin!.GetGroupsAsync(null, default));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Contains($"{_server.ManagementUrl}/api/queues/%2F", e.Message, StringComparison.Ordinal);
        Assert.Contains("refused user 'guest' (401 Unauthorized)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", e.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Admin_UnknownVhost_NotFoundErrorNamesIt()
    {
        _server.Require();
        await using var broker = Broker.Connect($"amqp://guest:guest@127.0.0.1:{_server.Port}/no-such-vhost?management={Uri.EscapeDataString(_server.ManagementUrl)}");

        var e = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Admin!.GetTopicsAsync(default));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Contains("no virtual host 'no-such-vhost'", e.Message, StringComparison.Ordinal);
    }
}
