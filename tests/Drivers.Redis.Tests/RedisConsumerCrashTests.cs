using System.Collections.Concurrent;
using System.Globalization;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// A consumer in another process, killed: what it held (delivered, not acknowledged) goes to the group's other
/// consumers once idle for claimIdle, with the attempt counted in Redis. A message that kills its consumer every time is
/// dead-lettered after MaxDeliveryAttempts deliveries, although no handler ever failed it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConsumerCrashTests(RedisServer server, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [ConformanceFact]
    public async Task ConsumerProcessKilled_ItsPendingMessagesHandledByTheOthers()
    {
        server.Require();
        var topic = "killed-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = server.ConnectionString("claimIdle=2s&claimInterval=200ms");
        await using var broker = Broker.Connect(connectionString);
        using var child = new RedisChild(connectionString, topic, "workers", "consume");
        Assert.True(await child.WaitUntilAsync(c => c.Lines.Contains("READY"), Timeout), "the child subscribed");

        var handledHere = new ConcurrentDictionary<string, int>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "workers") { Concurrency = 4 }, async (m, _) =>
        {
            await Task.Delay(2);
            handledHere.AddOrUpdate(m.Id, m.DeliveryAttempt, (_, a) => Math.Max(a, m.DeliveryAttempt));
        });
        var ids = Enumerable.Range(0, 3000).Select(i => $"k-{i.ToString(CultureInfo.InvariantCulture)}").ToList();
        var publishing = Task.Run(async () =>
        {
            foreach (var chunk in ids.Chunk(50))
            {
                (await broker.PublishBatchAsync(topic, [.. chunk.Select(id => new Message(new byte[8]) { Id = id })])).ThrowIfAnyFailed(topic, "redis");
                await Task.Delay(5);
            }
        });
        Assert.True(await child.WaitUntilAsync(c => c.Reported("A").Count >= 300, Timeout), "the child acknowledged 300 messages");
        await child.KillAsync();
        await publishing;

        var ackedByChild = child.Reported("A").Select(w => w[0]).ToHashSet();
        var heldByChild = child.Reported("C").Select(w => w[0]).Where(id => !ackedByChild.Contains(id)).ToHashSet();
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        // Each id is handled here, or by the child before it died (acknowledged, or received and acknowledged just before the kill).
        List<string> Missing() => [.. ids.Where(id => !handledHere.ContainsKey(id) && !ackedByChild.Contains(id) && !heldByChild.Contains(id))];
        while (Missing().Count > 0 && deadline.Elapsed < Timeout)
        {
            await Task.Delay(100);
        }

        var reclaimed = heldByChild.Where(handledHere.ContainsKey).ToList();
        while (reclaimed.Count < heldByChild.Count && deadline.Elapsed < Timeout && !await NothingPendingAsync(topic))
        {
            await Task.Delay(100);
            reclaimed = [.. heldByChild.Where(handledHere.ContainsKey)];
        }

        output.WriteLine($"child acknowledged {ackedByChild.Count}, held {heldByChild.Count} when killed, of which handled here {reclaimed.Count}; handled here in all {handledHere.Count}");
        Assert.Empty(Missing());
        Assert.NotEmpty(reclaimed);
        Assert.All(reclaimed, id => Assert.True(handledHere[id] >= 2, $"{id} claimed from the dead consumer is attempt {handledHere[id]}, expected 2 or more"));
        Assert.True(await NothingPendingAsync(topic), "nothing stays pending in the group");
    }

    [ConformanceFact]
    public async Task MessageKillingItsConsumerEveryTime_DeadLetteredAfterMaxAttempts()
    {
        server.Require();
        var topic = "crashloop-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = server.ConnectionString("claimIdle=1s&claimInterval=100ms");
        await using var broker = Broker.Connect(connectionString);
        await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(topic, "g"))).DisposeAsync(); // the group, from the start
        var poison = Message.FromString("poison");
        await broker.PublishAsync(topic, poison);
        for (var run = 1; run <= 3; run++)
        {
            // MaxDeliveryAttempts = 3 in the child too: each run takes the poison for its next attempt and dies with it.
            using var child = new RedisChild(connectionString, topic, "g", "poison");
            Assert.True(await child.WaitForExitAsync(Timeout), $"child {run} should have died on the poison message");
            Assert.True(child.Reported("X").Count == 1, $"child {run} reported: {string.Join(" | ", child.Lines)}");
            Assert.Equal([poison.Id, run.ToString(CultureInfo.InvariantCulture)], child.Reported("X")[0]);
        }

        // Messages published after the crashes are not held up: the group goes on.
        var good = Enumerable.Range(1, 3).Select(i => Message.FromString($"ok-{i}")).ToList();
        foreach (var m in good)
        {
            await broker.PublishAsync(topic, m);
        }

        var dead = new Recorder<Message>();
        var seen = new Recorder<Message>();
        await using var dlq = await broker.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", "audit"), (m, _) => { dead.Add(m); return default; });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 3 }, (m, _) => { seen.Add(m); return default; });
        await dead.WaitForCountAsync(1, Timeout);

        var letter = Assert.Single(dead.Items);
        Assert.Equal((poison.Id, "poison"), (letter.Id, letter.GetString()));
        Assert.Equal(typeof(DeliveryAttemptsExhaustedException).FullName, letter.GetHeader(HeaderNames.ErrorType));
        Assert.Equal("3", letter.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal((topic, "g"), (letter.GetHeader(HeaderNames.OriginalTopic), letter.GetHeader(HeaderNames.OriginalGroup)));
        await seen.WaitUntilAsync(items => good.All(g => items.Any(m => m.Id == g.Id)), Timeout, "the three good messages handled");
        Assert.DoesNotContain(seen.Items, m => m.Id == poison.Id);
        Assert.True(await NothingPendingAsync(topic, "g"), "the poison message is acknowledged once dead-lettered");
    }

    private async Task<bool> NothingPendingAsync(string topic, string group = "workers")
    {
        var summary = await server.Process.CliAsync("XPENDING", topic, group);
        return summary.Split('\n')[0].Trim() == "0";
    }
}
