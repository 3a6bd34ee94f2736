using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>The backlog over plain AMQP never under-counts: what another process holds unacknowledged makes it unknown.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqBacklogTests(RabbitMqServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [ConformanceFact]
    public async Task Backlog_PlainAmqpWithAConsumerInAnotherProcess_IsUnknownNotTooSmall()
    {
        server.Require();
        var topic = "backlog-" + Guid.NewGuid().ToString("N")[..8];
        await using var consumer = Broker.Connect(server.ConnectionString);
        await using var observer = Broker.Connect(server.ConnectionString);
        using var gate = new SemaphoreSlim(0);
        var started = new Recorder<string>();
        await using var sub = await consumer.SubscribeAsync(new SubscriptionOptions(topic, "g"), async (m, ct) =>
        {
            started.Add(m.Id);
            await gate.WaitAsync(ct);
        });
        for (var i = 0; i < 5; i++)
        {
            await consumer.PublishAsync(topic, new Message(new byte[] { (byte)i }));
        }

        await started.WaitForCountAsync(1, Timeout);
        Assert.Null(await observer.Backlog!.GetBacklogAsync(topic, "g", default));

        // Its own process counts what its consumer holds (prefetch 2) with the ready ones; a delivery on the wire is
        // counted by neither side for a moment, so wait for the sum.
        var deadline = DateTime.UtcNow + Timeout;
        long? own;
        while ((own = await consumer.Backlog!.GetBacklogAsync(topic, "g", default)) != 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(5, own);
        gate.Release(5);
    }
}
