using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenarios 1 (round trip), 3 (ack only after the handler returns) and 8 (isolation).</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task RoundTrip_100Messages_IdsBodiesHeadersKeysIntact()
    {
        var topic = NewName("roundtrip");
        var seen = new Recorder<Message>();
        await using var sub = await Broker.SubscribeAsync(Options(topic), (m, ct) => { seen.Add(m); return default; });
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var sent = Enumerable.Range(0, 100).Select(i =>
        {
            var m = Text($"body-{i}-é✓", id: $"id-{i}-{topic}", key: $"key-{i % 7}");
            m.Headers["h-index"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            m.Headers["h-text"] = "a=b; c,d";
            return m;
        }).ToList();
        foreach (var m in sent)
        {
            await Broker.PublishAsync(topic, m);
        }

        await seen.WaitForCountAsync(100, Timeout);
        var byId = seen.Items.ToDictionary(m => m.Id);
        Assert.Equal(100, byId.Count);
        foreach (var m in sent)
        {
            var got = byId[m.Id];
            Assert.Equal(m.GetString(), got.GetString());
            Assert.Equal(m.Key, got.Key);
            Assert.Equal(topic, got.Topic);
            Assert.Equal(1, got.DeliveryAttempt);
            Assert.Equal("text/plain", got.ContentType);
            Assert.Equal(m.Headers["h-index"], got.GetHeader("h-index"));
            Assert.Equal("a=b; c,d", got.GetHeader("h-text"));
            Assert.InRange(got.Timestamp, before, DateTimeOffset.UtcNow.AddSeconds(5));
        }
    }

    [ConformanceFact]
    public async Task Ack_HappensOnlyAfterHandlerReturns_AndNeverRedeliversAfterSuccess()
    {
        var topic = NewName("ack");
        var group = NewName("g");
        var held = Text("held");
        var gate = new TaskCompletionSource();
        var seenA = new Recorder<Message>();
        var a = await Broker.SubscribeAsync(Options(topic, group) with { DrainTimeout = TimeSpan.FromMilliseconds(200) }, async (m, _) =>
        {
            seenA.Add(m);
            await gate.Task; // ignores cancellation on purpose: it is still running when A is abandoned
        });
        await Broker.PublishAsync(topic, held);
        await seenA.WaitForCountAsync(1, Timeout);
        await a.CloseAsync();

        // A never returned, so the message was not acknowledged: the group hands it to B.
        var seenB = new Recorder<Message>();
        var b = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { seenB.Add(m); return default; });
        await seenB.WaitForCountAsync(1, Timeout);
        Assert.Equal(held.Id, seenB.Items[0].Id);
        gate.SetResult(); // A's late return must not settle anything now
        await b.CloseAsync();

        // B returned, so it was acknowledged: a new consumer of the group gets only what comes after.
        var seenC = new Recorder<Message>();
        await using var c = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { seenC.Add(m); return default; });
        await BarrierAsync(topic, seenC);
        Assert.DoesNotContain(seenC.Items, m => m.Id == held.Id);
        Assert.Single(seenA.Items);
    }

    [ConformanceFact]
    public async Task Topics_AreIsolated_AndHandlersOfSeveralTopicsRunAtOnce()
    {
        var topics = new[] { NewName("iso-a"), NewName("iso-b"), NewName("iso-c") };
        var seen = topics.ToDictionary(t => t, _ => new Recorder<Message>());
        var started = new Recorder<string>();
        var allStarted = new TaskCompletionSource();
        var subs = new List<ISubscription>();
        foreach (var topic in topics)
        {
            subs.Add(await Broker.SubscribeAsync(Options(topic), async (m, _) =>
            {
                if (m.GetString() == "first")
                {
                    // Each topic's first handler waits for the others: this only completes if they run at once.
                    started.Add(topic);
                    if (started.Count >= topics.Length)
                    {
                        allStarted.TrySetResult();
                    }

                    await allStarted.Task.WaitAsync(Timeout);
                }

                seen[topic].Add(m);
            }));
        }

        foreach (var topic in topics)
        {
            await Broker.PublishAsync(topic, Text("first"));
        }

        for (var i = 0; i < 30; i++)
        {
            await Broker.PublishAsync(topics[i % 3], Text($"{topics[i % 3]}/{i}"));
        }

        foreach (var topic in topics)
        {
            await seen[topic].WaitForCountAsync(11, Timeout);
            await BarrierAsync(topic, seen[topic]);
            Assert.All(seen[topic].Items, m => Assert.Equal(topic, m.Topic));
            Assert.All(seen[topic].Items.Where(m => m.GetString().Contains('/', StringComparison.Ordinal)), m => Assert.StartsWith(topic + "/", m.GetString(), StringComparison.Ordinal));
            Assert.Equal(12, seen[topic].Count);
        }

        foreach (var sub in subs)
        {
            await sub.CloseAsync();
        }
    }

    [ConformanceFact]
    public async Task PublishBatch_ReportsEveryEntry_AndDeliversThemAll()
    {
        var topic = NewName("pubbatch");
        var seen = new Recorder<Message>();
        await using var sub = await Broker.SubscribeAsync(Options(topic), (m, _) => { seen.Add(m); return default; });
        var batch = Enumerable.Range(0, 25).Select(i => Text($"b{i}")).ToList();
        var result = await Broker.PublishBatchAsync(topic, batch);
        Assert.Equal(25, result.Count);
        Assert.True(result.AllSucceeded);
        Assert.Empty(result.Failures());
        await seen.WaitForCountAsync(25, Timeout);
        Assert.Equal(batch.Select(m => m.Id).Order(), seen.Items.Select(m => m.Id).Order());
    }
}
