using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>
/// Commits and rebalances on the mock cluster, checked against Kafka itself: the group's committed offsets are read
/// back and compared with what the handlers finished.
/// </summary>
public sealed class KafkaGroupTests : IClassFixture<KafkaMockCluster>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly KafkaMockCluster _cluster;
    private readonly List<IBroker> _brokers = [];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private IAdminClient? _admin;

    public KafkaGroupTests(KafkaMockCluster cluster) => _cluster = cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        _admin?.Dispose();
    }

    [ConformanceFact]
    public async Task Rebalance_ConsumerLeavesMidRun_NothingLost_NeverCommittedPastUnhandled()
    {
        _cluster.Require();
        var topic = $"rebalance-{_run}";
        var group = $"g-{_run}";
        var handled = new ConcurrentDictionary<string, byte>();
        var count = new Recorder<string>();
        var failedOnce = new ConcurrentDictionary<string, byte>();
        var handledByB = 0;
        MessageHandler Handler(bool isB) => async (m, ct) =>
        {
            await Task.Delay(10, CancellationToken.None);
            if (m.Key!.EndsWith('7') && failedOnce.TryAdd(m.Id, 0))
            {
                throw new InvalidOperationException("first attempt fails: exercises nack and redelivery");
            }

            handled.TryAdd(m.Id, 0); // before returning, so before the ack
            if (isB)
            {
                Interlocked.Increment(ref handledByB);
            }

            count.Add(m.Id);
        };
        var options = new SubscriptionOptions(topic, group)
        {
            Concurrency = 8,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(5), Max = TimeSpan.FromMilliseconds(50) },
            DrainTimeout = TimeSpan.FromSeconds(5),
        };
        var a = await Connect().SubscribeAsync(options, Handler(isB: false));
        var b = await Connect().SubscribeAsync(options, Handler(isB: true));
        var publisher = Connect();
        var sent = Enumerable.Range(0, 600).Select(i => new Message(Encoding.UTF8.GetBytes($"m{i}")) { Id = $"{_run}-{i}", Key = $"k{i}" }).ToList();

        // Committed offsets sampled all along must never pass a message that was not handled at that moment; the
        // samples are checked at the end, against the records read back from the topic.
        using var sampling = new CancellationTokenSource();
        var samples = new ConcurrentQueue<(Dictionary<int, long> Committed, HashSet<string> Handled)>();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                // Committed first, handled after: a commit read at T implies its messages were handled before T.
                var committed = await CommittedAsync(topic, group);
                samples.Enqueue((committed, handled.Keys.ToHashSet()));
                await Task.Delay(50);
            }
        });

        var publishing = Task.Run(async () =>
        {
            foreach (var m in sent)
            {
                await publisher.PublishAsync(topic, m);
            }
        });
        await count.WaitForCountAsync(150, Timeout);
        await b.CloseAsync(); // leaves the group mid-run: the remaining member is assigned every partition
        Assert.True(Volatile.Read(ref handledByB) > 0, "B had partitions before it left");
        await publishing;
        await count.WaitUntilAsync(_ => sent.All(m => handled.ContainsKey(m.Id)), Timeout, "every published message handled");

        // Everything handled is committed once acked: each partition's commit reaches its end.
        var ends = ReadAll(topic).GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
        await WaitForAsync(async () =>
        {
            var committed = await CommittedAsync(topic, group);
            return ends.All(e => committed.TryGetValue(e.Key, out var c) && c == e.Value);
        }, "the group's commits to reach every partition's end");
        await a.CloseAsync();
        sampling.Cancel();
        await sampler;
        var records = ReadAll(topic);
        var violations = new List<string>();
        foreach (var (committed, snapshot) in samples)
        {
            foreach (var (partition, offset) in committed)
            {
                violations.AddRange(records.Where(r => r.Partition == partition && r.Offset < offset && !snapshot.Contains(r.Id))
                    .Select(r => $"partition {partition} committed {offset} past unhandled offset {r.Offset} ({r.Id})"));
            }
        }

        Assert.True(samples.Count >= 10, $"only {samples.Count} commit samples were taken");
        Assert.True(samples.Count(s => s.Committed.Count > 0) >= 5, "too few samples saw commits");
        Assert.Empty(violations);
        Assert.Equal(sent.Count, handled.Count);
    }

    [ConformanceFact]
    public async Task Commit_MessageNeverAcknowledged_CommitStopsBeforeIt_AndItIsRedeliveredAfterRestart()
    {
        _cluster.Require();
        var topic = $"stuck-{_run}";
        var group = $"g-{_run}";
        var stuckId = $"{_run}-stuck";
        var release = new TaskCompletionSource();
        var seen = new Recorder<string>();
        var options = new SubscriptionOptions(topic, group) { Concurrency = 4, DrainTimeout = TimeSpan.FromMilliseconds(100) };
        var sub = await Connect().SubscribeAsync(options, async (m, _) =>
        {
            seen.Add(m.Id);
            if (m.Id == stuckId)
            {
                await release.Task; // never settles while the subscription is open
            }
        });
        var publisher = Connect();
        await publisher.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("before")) { Id = $"{_run}-before", Key = "same" });
        await publisher.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("stuck")) { Id = stuckId, Key = "same" });
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("after")) { Id = $"{_run}-after-{i}", Key = "same" });
        }

        await seen.WaitForCountAsync(12, Timeout);
        var stuck = ReadAll(topic).Single(r => r.Id == stuckId);
        await WaitForAsync(async () => (await CommittedAsync(topic, group)).GetValueOrDefault(stuck.Partition) == stuck.Offset, "the commit to reach the stuck message");
        await Task.Delay(500); // several commit intervals: it must stay there
        Assert.Equal(stuck.Offset, (await CommittedAsync(topic, group))[stuck.Partition]);
        await sub.CloseAsync();
        release.SetResult();

        var again = new Recorder<Message>();
        await using var next = await Connect().SubscribeAsync(options, (m, _) => { again.Add(m); return default; });
        await again.WaitUntilAsync(items => items.Any(m => m.Id == stuckId), Timeout, "the unacknowledged message redelivered");
        Assert.DoesNotContain(again.Items, m => m.Id == $"{_run}-before");
        Assert.Equal(1, again.Items.First(m => m.Id == stuckId).DeliveryAttempt); // attempts restart after a restart
    }

    [ConformanceFact]
    public async Task Backlog_DefinedBeforeTheGroupsFirstCommit_CountsUnacknowledged_ThenZeroOnceConsumed()
    {
        _cluster.Require();
        var topic = $"backlog-{_run}";
        var group = $"g-{_run}";
        var broker = Connect();
        var backlog = broker.Backlog!;
        Assert.Equal(0, await backlog.GetBacklogAsync(topic, group, CancellationToken.None)); // nothing stored yet
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("x")) { Key = $"k{i}" });
        }

        // The group has never run: it would start from Earliest (the default), so everything stored waits for it.
        Assert.Equal(10, await backlog.GetBacklogAsync(topic, group, CancellationToken.None));
        var release = new TaskCompletionSource();
        var seen = new Recorder<string>();
        await using var sub = await Connect().SubscribeAsync(new SubscriptionOptions(topic, group) { Concurrency = 10 }, async (m, _) =>
        {
            seen.Add(m.Id);
            await release.Task;
        });
        await seen.WaitForCountAsync(10, Timeout);
        Assert.Equal(10, await backlog.GetBacklogAsync(topic, group, CancellationToken.None)); // in flight still counts
        release.SetResult();
        await WaitForAsync(async () => await backlog.GetBacklogAsync(topic, group, CancellationToken.None) == 0, "the backlog to drain");
    }

    [ConformanceFact]
    public async Task Backlog_LatestGroup_IsZeroAtJoin_ThenCountsWhatArrivesUnhandled()
    {
        _cluster.Require();
        var topic = $"backlog-latest-{_run}";
        var group = $"g-{_run}";
        var broker = Connect();
        for (var i = 0; i < 5; i++)
        {
            await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("before")) { Key = $"k{i}" });
        }

        var release = new TaskCompletionSource();
        var seen = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, group) { StartFrom = StartPosition.Latest, Concurrency = 3 }, async (m, _) =>
        {
            seen.Add(m.GetString());
            await release.Task;
        });
        Assert.Equal(0, await broker.Backlog!.GetBacklogAsync(topic, group, CancellationToken.None));
        for (var i = 0; i < 3; i++)
        {
            await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("after")) { Key = $"k{i}" });
        }

        await seen.WaitForCountAsync(3, Timeout);
        Assert.Equal(3, await broker.Backlog.GetBacklogAsync(topic, group, CancellationToken.None));
        release.SetResult();
        await WaitForAsync(async () => await broker.Backlog.GetBacklogAsync(topic, group, CancellationToken.None) == 0, "the backlog to drain");
        Assert.All(seen.Items, body => Assert.Equal("after", body));
    }

    [ConformanceFact]
    public async Task MockBrokersOption_OneConnection_PublishesAndConsumes()
    {
        _cluster.Require();
        await using var broker = Omnibus.Broker.Connect("kafka://?mockBrokers=3&sessionTimeout=6s");
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("mock-topic", "mock-group"), (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync("mock-topic", new Message(Encoding.UTF8.GetBytes("hello")) { Key = "k" });
        await seen.WaitForCountAsync(1, Timeout);
        Assert.Equal("hello", seen.Items[0].GetString());
    }

    private IBroker Connect()
    {
        var broker = Omnibus.Broker.Connect(_cluster.ConnectionString());
        _brokers.Add(broker);
        return broker;
    }

    private async Task<Dictionary<int, long>> CommittedAsync(string topic, string group)
    {
        var admin = _admin ??= new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var partitions = Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)).ToList();
        var result = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)]);
        return result.SelectMany(g => g.Partitions).Where(p => p.Offset.Value >= 0).ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
    }

    /// <summary>Every record of the topic with its partition, offset and message id, read without a group.</summary>
    private List<(int Partition, long Offset, string Id)> ReadAll(string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "unused-" + _run, EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var result = new List<(int, long, string)>();
        for (var p = 0; p < 4; p++)
        {
            var tp = new TopicPartition(topic, p);
            var end = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
            if (end == 0)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
            while (true)
            {
                var record = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"reading {tp}");
                var id = Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("message-id"));
                result.Add((p, record.Offset.Value, id));
                if (record.Offset.Value >= end - 1)
                {
                    break;
                }
            }

            consumer.Unassign();
        }

        return result;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }
}
