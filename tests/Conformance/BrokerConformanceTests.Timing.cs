using System.Diagnostics;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenario 10 (delayed delivery, time to live), start positions and publish dedupe.</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task DelayedMessage_IsNotDeliveredBeforeItsDelay()
    {
        RequireFeature(f => f.DelayedDelivery, nameof(BrokerFeatures.DelayedDelivery));
        var topic = NewName("delay");
        var seen = new Recorder<(Message Message, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        await using var sub = await Broker.SubscribeAsync(Options(topic), (m, _) => { seen.Add((m, clock.Elapsed)); return default; });

        // The subscription is delivering before the clock starts: a test host that starts many tests at once can stall a
        // new consumer for most of a second (CI saw the undelayed message arrive after the delayed one's 700 ms).
        var warm = Text("warm");
        await Broker.PublishAsync(topic, warm);
        await seen.WaitUntilAsync(items => items.Any(x => x.Message.Id == warm.Id), Timeout, "the first message");

        var delay = TimeSpan.FromMilliseconds(1500);
        var delayed = new Message(Text("later").Body) { Id = NewName("later"), DeliverAfter = delay };
        var publishedAt = clock.Elapsed;
        await Broker.PublishAsync(topic, delayed);
        await Broker.PublishAsync(topic, Text("now"));
        await seen.WaitForCountAsync(3, Timeout);
        Assert.Equal(["warm", "now", "later"], seen.Items.Select(x => x.Message.GetString()));
        Assert.Equal(delayed.Id, seen.Items[2].Message.Id);
        var after = seen.Items[2].At - publishedAt;
        Assert.True(after >= delay - TimeSpan.FromMilliseconds(10), $"delivered after {after.TotalMilliseconds} ms");
    }

    [ConformanceFact]
    public async Task ExpiredMessage_IsNeverDelivered()
    {
        RequireFeature(f => f.TimeToLive, nameof(BrokerFeatures.TimeToLive));
        var topic = NewName("ttl");
        var group = NewName("g");
        await (await Broker.SubscribeAsync(Options(topic, group), (_, _) => default)).CloseAsync(); // the group exists, nobody consumes
        var shortLived = new Message(Text("x").Body) { Id = NewName("short"), TimeToLive = TimeSpan.FromMilliseconds(200) };
        var longLived = new Message(Text("y").Body) { Id = NewName("long"), TimeToLive = TimeSpan.FromMinutes(5) };
        await Broker.PublishAsync(topic, shortLived);
        await Broker.PublishAsync(topic, longLived);
        // The condition under test is time passing: wait until three times the TTL has elapsed on the clock.
        var expiry = Stopwatch.StartNew();
        var until = TimeSpan.FromMilliseconds(600);
        while (expiry.Elapsed < until)
        {
            await Task.Delay(until - expiry.Elapsed + TimeSpan.FromMilliseconds(1));
        }

        var seen = new Recorder<Message>();
        await using var sub = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { seen.Add(m); return default; });
        await BarrierAsync(topic, seen);
        Assert.Contains(seen.Items, m => m.Id == longLived.Id);
        Assert.DoesNotContain(seen.Items, m => m.Id == shortLived.Id);
    }

    [ConformanceFact]
    public async Task NewGroup_StartsAtItsStartPosition()
    {
        RequireFeature(f => f.Replay, nameof(BrokerFeatures.Replay));
        var topic = NewName("start");
        var before = Enumerable.Range(0, 5).Select(i => Text($"before-{i}")).ToList();
        foreach (var m in before)
        {
            await Broker.PublishAsync(topic, m);
        }

        var earliest = new Recorder<Message>();
        var latest = new Recorder<Message>();
        await using var e = await Broker.SubscribeAsync(Options(topic) with { StartFrom = StartPosition.Earliest }, (m, _) => { earliest.Add(m); return default; });
        await using var l = await Broker.SubscribeAsync(Options(topic) with { StartFrom = StartPosition.Latest }, (m, _) => { latest.Add(m); return default; });
        await BarrierAsync(topic, latest);
        await earliest.WaitForCountAsync(6, Timeout);
        Assert.Equal(before.Select(m => m.Id), earliest.Items.Take(5).Select(m => m.Id));
        Assert.Single(latest.Items);
    }

    [ConformanceFact]
    public async Task SameIdempotencyId_PublishedTwice_IsStoredOnce()
    {
        RequireFeature(f => f.ExactlyOnce, nameof(BrokerFeatures.ExactlyOnce));
        var topic = NewName("dedupe");
        var seen = new Recorder<Message>();
        await using var sub = await Broker.SubscribeAsync(Options(topic), (m, _) => { seen.Add(m); return default; });
        var key = NewName("idem");
        await Broker.PublishAsync(topic, new Message(Text("first").Body) { IdempotencyId = key });
        await Broker.PublishAsync(topic, new Message(Text("second").Body) { IdempotencyId = key });
        await BarrierAsync(topic, seen);
        Assert.Equal("first", Assert.Single(seen.Items, m => m.GetString() != "marker").GetString());
    }
}
