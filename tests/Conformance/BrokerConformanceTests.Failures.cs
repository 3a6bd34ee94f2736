using System.Collections.Concurrent;
using System.Globalization;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenarios 2 (redelivery), 4 (dead-letter), 5 (per-key order) and 9 (batch partial failure).</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task HandlerFailures_AreRedelivered_NothingLost()
    {
        var topic = NewName("redeliver");
        var handled = new Recorder<Message>();
        var failures = 0;
        var calls = 0;
        await using var sub = await Broker.SubscribeAsync(Options(topic) with { Concurrency = 4, MaxDeliveryAttempts = 10 }, (m, _) =>
        {
            var call = Interlocked.Increment(ref calls);
            var index = int.Parse(m.GetString(), CultureInfo.InvariantCulture);
            // Fail the first 2 invocations, and the first delivery of every 5th message.
            if (call <= 2 || (index % 5 == 0 && m.DeliveryAttempt == 1))
            {
                Interlocked.Increment(ref failures);
                throw new InvalidOperationException($"injected failure {index}");
            }

            handled.Add(m);
            return default;
        });
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var m = Text(i.ToString(CultureInfo.InvariantCulture));
            ids.Add(m.Id);
            await Broker.PublishAsync(topic, m);
        }

        await handled.WaitUntilAsync(items => items.Select(m => m.Id).Distinct().Count() == 100, Timeout, "all 100 messages handled");
        Assert.Equal(ids.Order(), handled.Items.Select(m => m.Id).Distinct().Order());
        Assert.True(failures >= 21, $"expected at least 21 injected failures, saw {failures}");
        Assert.All(handled.Items.Where(m => int.Parse(m.GetString(), CultureInfo.InvariantCulture) % 5 == 0), m => Assert.True(m.DeliveryAttempt >= 2));
    }

    [ConformanceFact]
    public async Task MaxAttempts_Exceeded_DeadLetteredWithErrorHeaders_NoEndlessLoop()
    {
        var topic = NewName("poison");
        var deadLetterTopic = topic + ".dlq";
        var dead = new Recorder<Message>();
        var attempts = new ConcurrentDictionary<string, int>();
        await using var dlq = await Broker.SubscribeAsync(Options(deadLetterTopic), (m, _) => { dead.Add(m); return default; });
        var seen = new Recorder<Message>();
        await using var sub = await Broker.SubscribeAsync(Options(topic) with { MaxDeliveryAttempts = 3 }, (m, _) =>
        {
            seen.Add(m);
            if (m.GetString() == "marker")
            {
                return default;
            }

            attempts.AddOrUpdate(m.Id, 1, (_, n) => n + 1);
            throw new InvalidOperationException($"poison {m.Id}");
        });
        var sent = Enumerable.Range(0, 5).Select(i => Text($"poison-{i}", key: $"k{i}")).ToList();
        foreach (var m in sent)
        {
            m.Headers["origin"] = "test";
            await Broker.PublishAsync(topic, m);
        }

        await dead.WaitForCountAsync(5, Timeout);
        await BarrierAsync(topic, seen);
        Assert.Equal(sent.Select(m => m.Id).Order(), dead.Items.Select(m => m.Id).Order());
        foreach (var m in dead.Items)
        {
            var original = sent.Single(s => s.Id == m.Id);
            Assert.Equal(typeof(InvalidOperationException).FullName, m.GetHeader(HeaderNames.ErrorType));
            Assert.Equal($"poison {m.Id}", m.GetHeader(HeaderNames.ErrorMessage));
            Assert.Equal("3", m.GetHeader(HeaderNames.DeliveryAttempts));
            Assert.Equal(topic, m.GetHeader(HeaderNames.OriginalTopic));
            Assert.Equal("test", m.GetHeader("origin"));
            Assert.Equal(original.GetString(), m.GetString());
            Assert.Equal(original.Key, m.Key);
            Assert.Equal(3, attempts[m.Id]);
        }

        Assert.Equal(5, dead.Count);
    }

    [ConformanceFact]
    public async Task PerKeyOrdering_1000Messages16Keys_OrderKeptAndNeverConcurrent_WithFailures()
    {
        RequireFeature(f => f.KeyOrdering, nameof(BrokerFeatures.KeyOrdering));
        var topic = NewName("ordered");
        var active = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var handled = new Recorder<(string Key, int Seq)>();
        var options = Options(topic) with { Concurrency = 8, Ordering = MessageOrdering.ByKey, MaxDeliveryAttempts = 5 };
        await using var sub = await Broker.SubscribeAsync(options, async (m, _) =>
        {
            var key = m.Key!;
            if (active.AddOrUpdate(key, 1, (_, n) => n + 1) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            try
            {
                await Task.Yield();
                var seq = int.Parse(m.GetString(), CultureInfo.InvariantCulture);
                if (seq % 10 == 3 && m.DeliveryAttempt == 1)
                {
                    throw new InvalidOperationException("injected");
                }

                handled.Add((key, seq));
            }
            finally
            {
                active.AddOrUpdate(key, 0, (_, n) => n - 1);
            }
        });
        var perKey = new int[16];
        var batch = new List<Message>();
        var keys = new Random(42); // irregular key order, so no fixed assignment of messages to workers can pass by luck
        for (var i = 0; i < 1000; i++)
        {
            var k = keys.Next(16);
            batch.Add(Text((perKey[k]++).ToString(CultureInfo.InvariantCulture), key: $"key-{k}"));
        }

        foreach (var m in batch)
        {
            await Broker.PublishAsync(topic, m);
        }

        await handled.WaitForCountAsync(1000, Timeout);
        Assert.Equal(0, overlaps);
        foreach (var group in handled.Items.GroupBy(h => h.Key))
        {
            var seqs = group.Select(h => h.Seq).ToList();
            Assert.Equal(Enumerable.Range(0, seqs.Count), seqs);
        }

        Assert.Equal(16, handled.Items.Select(h => h.Key).Distinct().Count());
    }

    [ConformanceFact]
    public async Task BatchHandler_PartialFailure_RedeliversOnlyFailedEntries()
    {
        var topic = NewName("batch");
        var succeeded = new Recorder<Message>();
        var sizes = new ConcurrentBag<int>();
        var failedOnce = new ConcurrentDictionary<string, int>();
        var options = Options(topic) with { Batch = new BatchOptions { MaxSize = 10, MaxWait = TimeSpan.FromMilliseconds(50) } };
        await using var sub = await Broker.SubscribeBatchAsync(options, (batch, _) =>
        {
            sizes.Add(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var m = batch[i];
                var n = m.GetString() == "marker" ? 1 : int.Parse(m.GetString(), CultureInfo.InvariantCulture);
                if (n % 4 == 0 && m.DeliveryAttempt == 1)
                {
                    failedOnce.AddOrUpdate(m.Id, 1, (_, c) => c + 1);
                    batch.Fail(i, new InvalidOperationException("entry failed"));
                }
                else
                {
                    succeeded.Add(m);
                }
            }

            return default;
        });
        var sent = Enumerable.Range(1, 50).Select(i => Text(i.ToString(CultureInfo.InvariantCulture))).ToList();
        var result = await Broker.PublishBatchAsync(topic, sent);
        Assert.True(result.AllSucceeded);
        await succeeded.WaitUntilAsync(items => items.Select(m => m.Id).Distinct().Count() >= 50, Timeout, "all 50 entries succeeded");
        await BarrierAsync(topic, succeeded);
        var ids = succeeded.Items.Where(m => m.GetString() != "marker").Select(m => m.Id).ToList();
        Assert.Equal(50, ids.Count); // each entry succeeded exactly once: successes were not redelivered
        Assert.Equal(12, failedOnce.Count);
        Assert.All(succeeded.Items.Where(m => failedOnce.ContainsKey(m.Id)), m => Assert.True(m.DeliveryAttempt >= 2));
        Assert.Contains(sizes, s => s > 1);
        Assert.All(sizes, s => Assert.InRange(s, 1, 10));
    }
}
