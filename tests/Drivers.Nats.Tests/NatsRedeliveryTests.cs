using System.Diagnostics;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>Nak with the backoff delay, the attempt from the consumer's delivery count, and the lease (in-progress acks).</summary>
[Collection(NatsCollection.Name)]
public sealed class NatsRedeliveryTests(NatsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [ConformanceFact]
    public async Task Nack_WithBackoff_RedeliveredNoEarlierThanTheDelay_AttemptsCounted()
    {
        server.Require();
        var topic = "nack-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var clock = Stopwatch.StartNew();
        var seen = new Recorder<(int Attempt, TimeSpan At, string? Key, string? Header)>();
        var options = new SubscriptionOptions(topic, "g")
        {
            MaxDeliveryAttempts = 10,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(300), Max = TimeSpan.FromMilliseconds(300), Jitter = false },
        };
        await using var sub = await broker.SubscribeAsync(options, (m, _) =>
        {
            seen.Add((m.DeliveryAttempt, clock.Elapsed, m.Key, m.GetHeader("h")));
            return m.DeliveryAttempt < 4 ? throw new InvalidOperationException("again") : default;
        });
        var message = new Message(new byte[] { 1 }) { Key = "k-1" };
        message.Headers["h"] = "v";
        await broker.PublishAsync(topic, message);

        await seen.WaitForCountAsync(4, Timeout);
        Assert.Equal([1, 2, 3, 4], seen.Items.Select(s => s.Attempt));
        Assert.All(seen.Items, s => Assert.Equal(("k-1", "v"), (s.Key, s.Header)));
        for (var i = 1; i < 4; i++)
        {
            var gap = seen.Items[i].At - seen.Items[i - 1].At;
            Assert.True(gap >= TimeSpan.FromMilliseconds(290), $"attempt {i + 1} came {gap.TotalMilliseconds} ms after attempt {i}");
        }
    }

    [ConformanceFact]
    public async Task Handler_OutlivesAckWait_KeepsItsMessage_NoRedelivery()
    {
        server.Require();
        var topic = "lease-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString + "&ackWait=2s");
        var seen = new Recorder<Message>();
        var slow = Message.FromString("slow");
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { Concurrency = 2 }, async (m, _) =>
        {
            seen.Add(m);
            if (m.Id == slow.Id)
            {
                await Task.Delay(TimeSpan.FromSeconds(6)); // the work itself: three times the ack wait
            }
        });
        await broker.PublishAsync(topic, slow);
        await seen.WaitUntilAsync(items => items.Any(m => m.Id == slow.Id), Timeout, "the slow message");

        // After the handler returned and a later message went through, the slow one was seen once, as attempt 1.
        var handledSlow = Stopwatch.StartNew();
        while (handledSlow.Elapsed < TimeSpan.FromSeconds(8))
        {
            await Task.Delay(TimeSpan.FromSeconds(8) - handledSlow.Elapsed + TimeSpan.FromMilliseconds(1)); // past the handler's 6 s plus one ack wait
        }

        var marker = Message.FromString("marker");
        await broker.PublishAsync(topic, marker);
        await seen.WaitUntilAsync(items => items.Any(m => m.Id == marker.Id), Timeout, "the marker");
        var deliveries = seen.Items.Where(m => m.Id == slow.Id).ToList();
        Assert.Equal(1, Assert.Single(deliveries).DeliveryAttempt);
    }

    // A closed member's last pull request stays open on the server until it expires. Naking its buffered deliveries
    // while it is open had the server hand them straight back into it, each round trip counting an attempt: under
    // churn a message reached the core's limit and was dead-lettered without its handler ever running.
    [ConformanceFact]
    public async Task Member_ClosedWhileItsPullIsOpen_HandsItsBufferBackOnce()
    {
        server.Require();
        var topic = "handback-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString + "&prefetch=100");
        var options = new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 1000 };
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await broker.SubscribeAsync(options, async (_, _) =>
        {
            firstIn.TrySetResult();
            await blocked.Task;
        });
        var sent = Enumerable.Range(0, 20).Select(i => Message.FromString($"m{i}")).ToList();
        await broker.PublishBatchAsync(topic, sent);
        await firstIn.Task.WaitAsync(Timeout);

        // Its pull asked for 100 and got 20: it is still open when the member closes with 19 buffered.
        var closing = first.CloseAsync().AsTask();
        blocked.SetResult();
        await closing;

        var seen = new Recorder<Message>();
        await using var second = await broker.SubscribeAsync(options, (m, _) => { seen.Add(m); return default; });
        await seen.WaitForCountAsync(19, Timeout);
        Assert.All(seen.Items, m => Assert.True(m.DeliveryAttempt <= 2, $"{m.Id} came as attempt {m.DeliveryAttempt}"));
    }
}
