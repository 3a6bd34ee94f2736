using System.Diagnostics;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// A handler that runs longer than the ack deadline (10 s, Pub/Sub's least) keeps its message: the member extends the
/// lease while it runs, so the message is neither redelivered to the group's other handler slot nor handled twice.
/// </summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubLeaseTests(PubSubEmulator emulator)
{
    [ConformanceFact]
    public async Task HandlerLongerThanTheAckDeadline_KeepsItsMessage()
    {
        emulator.Require();
        var topic = "lease-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(emulator.ConnectionString + "&ackDeadline=10s");
        var starts = new Recorder<(string Id, int Attempt)>();
        var done = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "slow") { Concurrency = 2, DrainTimeout = TimeSpan.FromSeconds(30) }, async (m, ct) =>
        {
            starts.Add((m.Id, m.DeliveryAttempt));
            if (m.GetString() == "slow")
            {
                var held = Stopwatch.StartNew();
                while (held.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(100, ct); // the handler's work: one and a half ack deadlines
                }
            }

            done.Add(m.Id);
        });

        var slow = new Message(System.Text.Encoding.UTF8.GetBytes("slow"));
        await broker.PublishAsync(topic, slow);
        await done.WaitUntilAsync(items => items.Contains(slow.Id), TimeSpan.FromSeconds(40), "the slow handler to finish");

        // Acknowledged when it returned: a marker behind it arrives, and the slow one is not handed out again.
        var marker = new Message(System.Text.Encoding.UTF8.GetBytes("marker"));
        await broker.PublishAsync(topic, marker);
        await done.WaitUntilAsync(items => items.Contains(marker.Id), TimeSpan.FromSeconds(30), "the marker");
        Assert.Equal([(slow.Id, 1)], starts.Items.Where(s => s.Id == slow.Id));
    }
}
