using System.Text;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>
/// <see cref="IBroker.Admin"/> on the mock cluster: topics from metadata and watermarks, groups with lag from committed
/// offsets, peek without committing. The mock answers no ListGroups request, so a driver lists the groups it joined.
/// </summary>
public sealed class KafkaAdminTests(KafkaMockCluster cluster) : IClassFixture<KafkaMockCluster>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly List<IBroker> _brokers = [];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }
    }

    [ConformanceFact]
    public async Task Admin_TopicsAndGroups_ListedWithCounts_LagFallsAsTheConsumerCatchesUp()
    {
        cluster.Require();
        var topic = $"admin-{_run}";
        var group = $"g-{_run}";
        var broker = Connect();
        for (var i = 0; i < 20; i++)
        {
            await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes($"m{i}")) { Key = $"k{i}" });
        }

        var info = Assert.Single(await broker.Admin!.GetTopicsAsync(CancellationToken.None), t => t.Name == topic);
        Assert.Equal((20L, 20L, 4), (info.Messages, info.Published, info.Partitions));

        // A handler that finishes only what the test lets through: the lag can only fall as far as that.
        var gate = new SemaphoreSlim(0);
        var handled = 0;
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, group) { Concurrency = 4 }, async (_, ct) =>
        {
            await gate.WaitAsync(ct);
            Interlocked.Increment(ref handled);
        });
        var first = await WaitForGroupAsync(broker, topic, group, g => g.InFlight == 4, "4 deliveries in flight");
        Assert.Equal((20L, 1, 0L), (first.Lag, first.Members, first.DeadLettered));

        var lags = new List<long> { first.Lag };
        gate.Release(8);
        lags.Add((await WaitForGroupAsync(broker, topic, group, g => g.Lag <= 12, "lag at most 12 after 8 handled")).Lag);
        gate.Release(12);
        lags.Add((await WaitForGroupAsync(broker, topic, group, g => g.Lag == 0 && g.InFlight == 0, "lag 0 once all are handled")).Lag);
        Assert.Equal(20, Volatile.Read(ref handled));
        Assert.Equal(lags.OrderDescending(), lags);
        Assert.Contains(await broker.Admin.GetGroupsAsync(null, CancellationToken.None), g => g.Topic == topic && g.Group == group);
        Assert.DoesNotContain(await broker.Admin.GetGroupsAsync(topic + "-other", CancellationToken.None), g => g.Group == group);

        // Another connection sees the same topic: topics and offsets are the cluster's, not this driver's.
        Assert.Contains(await Connect().Admin!.GetTopicsAsync(CancellationToken.None), t => t.Name == topic && t.Messages == 20);
    }

    [ConformanceFact]
    public async Task Admin_DeadLetteredMessage_CountedForTheGroup()
    {
        cluster.Require();
        var topic = $"admin-dlq-{_run}";
        var group = $"g-{_run}";
        var broker = Connect();
        var attempts = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, group) { MaxDeliveryAttempts = 1 }, (m, _) =>
        {
            attempts.Add(m.Id);
            throw new InvalidOperationException("always fails: dead-lettered at once");
        });
        await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes("poison")) { Key = "k" });
        var info = await WaitForGroupAsync(broker, topic, group, g => g.DeadLettered == 1 && g.Lag == 0, "the message dead-lettered and committed");
        Assert.Equal(0, info.InFlight);
        Assert.Equal(1, attempts.Count);
    }

    [ConformanceFact]
    public async Task Peek_OldestFirst_UpToMax_WithoutCommittingOrJoining()
    {
        cluster.Require();
        var topic = $"peek-{_run}";
        var broker = Connect();
        Assert.Empty(await broker.Admin!.PeekAsync(topic, 10, CancellationToken.None)); // unknown topic
        for (var i = 0; i < 6; i++)
        {
            await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes($"m{i}")) { Id = $"{_run}-{i}", Key = "same", Headers = { ["h"] = $"v{i}" } });
        }

        var peeked = await broker.Admin.PeekAsync(topic, 4, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{_run}-{i}"), peeked.Select(m => m.Id));
        Assert.Equal(["m0", "v0", "same"], new[] { peeked[0].GetString(), peeked[0].GetHeader("h")!, peeked[0].Key! });
        Assert.Equal(6, (await broker.Admin.PeekAsync(topic, 100, CancellationToken.None)).Count);
        Assert.Equal(6, await broker.Backlog!.GetBacklogAsync(topic, "any-new-group", CancellationToken.None)); // nothing consumed
    }

    [ConformanceFact]
    public async Task Subscribe_SamePairWithAnotherStartFrom_IsAConfigurationErrorAtSubscribe()
    {
        cluster.Require();
        var topic = $"start-{_run}";
        var group = $"g-{_run}";
        var broker = Connect();
        await using var first = await broker.SubscribeAsync(new SubscriptionOptions(topic, group), (_, _) => default);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, group) { StartFrom = StartPosition.Latest }, (_, _) => default));
        Assert.Equal("StartFrom", error.Setting);
        Assert.Contains("kafka://", error.Message, StringComparison.Ordinal);
        Assert.Contains("Latest", error.Message, StringComparison.Ordinal);
        await using var same = await broker.SubscribeAsync(new SubscriptionOptions(topic, group), (_, _) => default); // the same start is fine
    }

    private static async Task<GroupInfo> WaitForGroupAsync(IBroker broker, string topic, string group, Func<GroupInfo, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        GroupInfo? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = (await broker.Admin!.GetGroupsAsync(topic, CancellationToken.None)).SingleOrDefault(g => g.Group == group);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {what}; last seen: {last}");
    }

    private IBroker Connect()
    {
        var broker = Omnibus.Broker.Connect(cluster.ConnectionString());
        _brokers.Add(broker);
        return broker;
    }
}
