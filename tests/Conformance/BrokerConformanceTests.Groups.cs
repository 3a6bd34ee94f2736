using System.Collections.Concurrent;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenario 6: consumer groups.</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task Group_ThreeSubscribers_SplitTheLoad_EachMessageOnce()
    {
        RequireFeature(f => f.ConsumerGroups, nameof(BrokerFeatures.ConsumerGroups));
        var topic = NewName("split");
        var group = NewName("g");
        var seen = new Recorder<(int Subscriber, string Id)>();
        var subs = new List<ISubscription>();
        for (var s = 0; s < 3; s++)
        {
            var subscriber = s;
            subs.Add(await Connect().SubscribeAsync(Options(topic, group), async (m, _) =>
            {
                await Task.Delay(1); // a little work, so that one consumer cannot take everything
                seen.Add((subscriber, m.Id));
            }));
        }

        await GroupSettledAsync(topic, group, members: 3);

        // Distinct keys, so that brokers which partition by key spread the messages over their partitions.
        var sent = Enumerable.Range(0, 300).Select(i => Text($"m{i}", key: $"k{i}")).ToList();
        foreach (var m in sent)
        {
            await Broker.PublishAsync(topic, m);
        }

        await seen.WaitForCountAsync(300, Timeout);
        var ids = seen.Items.Select(x => x.Id).ToList();
        var duplicates = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var missing = sent.Select(m => m.Id).Except(ids).ToList();
        Assert.True(duplicates.Count == 0 && missing.Count == 0, $"duplicates: {string.Join(",", duplicates)}; missing: {string.Join(",", missing)}");
        var perSubscriber = seen.Items.GroupBy(x => x.Subscriber).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(perSubscriber.Count == 3, "messages per subscriber: " + string.Join(", ", perSubscriber.Select(kv => $"{kv.Key}={kv.Value}")));
        foreach (var sub in subs)
        {
            await sub.CloseAsync();
        }
    }

    [ConformanceFact]
    public async Task TwoGroups_EachGetEveryMessage()
    {
        RequireFeature(f => f.ConsumerGroups, nameof(BrokerFeatures.ConsumerGroups));
        var topic = NewName("fanout");
        var first = new Recorder<Message>();
        var second = new Recorder<Message>();
        await using var a = await Broker.SubscribeAsync(Options(topic), (m, _) => { first.Add(m); return default; });
        await using var b = await Connect().SubscribeAsync(Options(topic), (m, _) => { second.Add(m); return default; });
        var sent = Enumerable.Range(0, 200).Select(i => Text($"m{i}")).ToList();
        foreach (var m in sent)
        {
            await Broker.PublishAsync(topic, m);
        }

        await first.WaitForCountAsync(200, Timeout);
        await second.WaitForCountAsync(200, Timeout);
        Assert.Equal(sent.Select(m => m.Id).Order(), first.Items.Select(m => m.Id).Order());
        Assert.Equal(sent.Select(m => m.Id).Order(), second.Items.Select(m => m.Id).Order());
    }

    [ConformanceFact]
    public async Task Group_50ConcurrentSubscribers_5000Messages_NoneMissing()
    {
        RequireFeature(f => f.ConsumerGroups, nameof(BrokerFeatures.ConsumerGroups));
        var topic = NewName("many");
        var group = NewName("g");
        var seen = new ConcurrentDictionary<string, int>();
        var count = new Recorder<int>();
        var subs = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Broker.SubscribeAsync(Options(topic, group), (m, _) =>
        {
            seen.AddOrUpdate(m.Id, 1, (_, n) => n + 1);
            count.Add(1);
            return default;
        }).AsTask()));
        var sent = Enumerable.Range(0, 5000).Select(i => Text($"m{i}")).ToList();
        foreach (var chunk in sent.Chunk(500))
        {
            (await Broker.PublishBatchAsync(topic, chunk)).ThrowIfAnyFailed(topic, Broker.Name);
        }

        await count.WaitForCountAsync(5000, Timeout);
        Assert.Equal(5000, seen.Count);
        Assert.All(sent, m => Assert.Equal(1, seen[m.Id]));
        await Task.WhenAll(subs.Select(s => s.CloseAsync().AsTask()));
    }
}
