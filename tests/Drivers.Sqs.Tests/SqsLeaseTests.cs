using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>A handler that outlives the visibility timeout keeps its message: the member extends it while the handler runs.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsLeaseTests(FauxqsServer server)
{
    [ConformanceFact]
    public async Task Handler_ThreeTimesLongerThanVisibility_MessageNotRedeliveredToTheOtherMember()
    {
        server.Require();
        var topic = "lease-" + Guid.NewGuid().ToString("N")[..8];
        var connection = server.ConnectionString + "&visibilityTimeout=2s";
        await using var broker = Broker.Connect(connection);
        await using var second = Broker.Connect(connection);
        var deliveries = new Recorder<Message>();
        var slowDone = new TaskCompletionSource();
        MessageHandler handler = async (m, ct) =>
        {
            deliveries.Add(m);
            if (m.GetString() == "slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(6), ct); // the handler's work, three visibility timeouts long
                slowDone.TrySetResult();
            }
        };
        await using var a = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { Concurrency = 2 }, handler);
        await using var b = await second.SubscribeAsync(new SubscriptionOptions(topic, "g") { Concurrency = 2 }, handler);
        var slow = Message.FromString("slow");
        await broker.PublishAsync(topic, slow);
        await slowDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Settled after the handler: a marker published now is handled once every earlier redelivery would have been.
        var marker = Message.FromString("marker");
        await broker.PublishAsync(topic, marker);
        await deliveries.WaitUntilAsync(items => items.Any(m => m.Id == marker.Id), TimeSpan.FromSeconds(20), "the marker");

        var ofSlow = deliveries.Items.Where(m => m.Id == slow.Id).ToList();
        Assert.Single(ofSlow);
        Assert.Equal(1, ofSlow[0].DeliveryAttempt);
        // And it was deleted once the handler returned: the queue empties (the marker's ack may still be on its way).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await broker.Backlog!.GetBacklogAsync(topic, "g", default) != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the queue did not empty: the slow message was not deleted");
            await Task.Delay(100); // polling the queue's counts, with the deadline above
        }
    }
}
