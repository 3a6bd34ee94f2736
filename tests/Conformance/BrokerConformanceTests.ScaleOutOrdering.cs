using System.Globalization;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// Per-key order across the members of a group: three subscribers of one group (each its own connection, as three
/// function instances are), keys spread over them, and never one key on two members at once or out of order, also
/// while a member leaves, another joins and a handler fails once in the middle.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    private const int ScaleOutKeys = 8;
    private const int ScaleOutMessages = 2000;

    [ConformanceFact]
    public Task ScaleOutOrdering_ThreeMembers_KeyNeverOnTwoMembersAndInOrder() => ScaleOutOrderingAsync(churn: false);

    [ConformanceFact]
    public Task ScaleOutOrdering_MemberLeavesAndJoinsWithRetry_KeyNeverOnTwoMembersAndInOrder() => ScaleOutOrderingAsync(churn: true);

    private async Task ScaleOutOrderingAsync(bool churn)
    {
        RequireFeature(f => f.KeyOrdering && f.ConsumerGroups, nameof(BrokerFeatures.KeyOrdering));
        var topic = NewName("scaleout");
        var group = NewName("g");
        var watch = new KeyWatch();
        var failing = (Key: "key-3", Seq: ScaleOutMessages / ScaleOutKeys / 2);
        var members = new List<ISubscription>();
        async Task<ISubscription> JoinAsync(int member) =>
            await Connect().SubscribeAsync(Options(topic, group) with { Ordering = MessageOrdering.ByKey, Concurrency = 4, MaxDeliveryAttempts = 5 }, async (m, _) =>
            {
                var seq = int.Parse(m.GetString(), CultureInfo.InvariantCulture);
                watch.Enter(member, m.Key!, seq);
                try
                {
                    await Task.Delay(1);
                    if (churn && (m.Key, seq) == failing && m.DeliveryAttempt == 1)
                    {
                        throw new InvalidOperationException("injected failure, once");
                    }

                    watch.Succeeded(member, m.Key!, seq);
                }
                finally
                {
                    watch.Exit(m.Key!);
                }
            });

        for (var member = 0; member < 3; member++)
        {
            members.Add(await JoinAsync(member));
        }

        var perKey = new int[ScaleOutKeys];
        var sent = Enumerable.Range(0, ScaleOutMessages).Select(i =>
        {
            var k = i % ScaleOutKeys;
            return Text((perKey[k]++).ToString(CultureInfo.InvariantCulture), key: $"key-{k}");
        }).ToList();
        var deadline = DateTime.UtcNow + Timeout * 2;
        var chunks = sent.Chunk(100).ToList();
        for (var c = 0; c < chunks.Count; c++)
        {
            (await Broker.PublishBatchAsync(topic, chunks[c])).ThrowIfAnyFailed(topic, Broker.Name);
            if (churn && c == chunks.Count / 3)
            {
                // Mid-run: the first member leaves (draining what it holds), later a fourth one joins.
                await watch.WaitUntilAsync(() => watch.Distinct >= ScaleOutMessages / 5, deadline, "a fifth of the messages handled before the leave");
                await members[0].CloseAsync();
            }
            else if (churn && c == 2 * chunks.Count / 3)
            {
                await watch.WaitUntilAsync(() => watch.Distinct >= ScaleOutMessages / 2, deadline, "half of the messages handled before the join");
                members.Add(await JoinAsync(3));
            }
        }

        await watch.WaitUntilAsync(() => watch.Distinct == ScaleOutMessages, deadline, $"all {ScaleOutMessages} messages handled");
        foreach (var member in members)
        {
            await member.CloseAsync();
        }

        var report = watch.Report();
        Assert.True(watch.Overlaps == 0, "a key was in flight on two members at once: " + report);
        Assert.True(watch.OutOfOrder == 0, "messages handled after a later one of their key: " + report);
        Assert.True(watch.MembersThatWorked > 1, "the work was not spread over the members: " + report);
        if (churn)
        {
            Assert.True(watch.FailedOnce, "the injected failure did not happen: " + report);
        }
    }

    /// <summary>What the handlers saw, under one lock: who holds each key now, and which messages of it succeeded.</summary>
    private sealed class KeyWatch
    {
        private readonly object _lock = new();
        private readonly Dictionary<string, (int Member, int Depth)> _active = [];
        private readonly Dictionary<string, HashSet<int>> _done = [];
        private readonly Dictionary<string, int> _highest = [];
        private readonly Dictionary<int, int> _perMember = [];
        private int _entries;
        private int _duplicates;

        public int Overlaps { get; private set; }

        public int OutOfOrder { get; private set; }

        public int Distinct { get { lock (_lock) { return _done.Values.Sum(s => s.Count); } } }

        public int MembersThatWorked { get { lock (_lock) { return _perMember.Count(kv => kv.Value > 0); } } }

        public bool FailedOnce { get { lock (_lock) { return _entries > Distinct + _duplicates; } } }

        public void Enter(int member, string key, int seq)
        {
            lock (_lock)
            {
                _entries++;
                if (_active.TryGetValue(key, out var holder) && holder.Depth > 0 && holder.Member != member)
                {
                    Overlaps++;
                }

                _active[key] = (member, holder.Member == member ? holder.Depth + 1 : 1);

                // A message redelivered after it succeeded (at-least-once) is a duplicate, not an order violation.
                var done = _done.TryGetValue(key, out var d) && d.Contains(seq);
                if (!done && _highest.TryGetValue(key, out var highest) && highest > seq)
                {
                    OutOfOrder++;
                }
            }
        }

        public void Succeeded(int member, string key, int seq)
        {
            lock (_lock)
            {
                if (!(_done.TryGetValue(key, out var done) ? done : _done[key] = []).Add(seq))
                {
                    _duplicates++;
                }

                _highest[key] = Math.Max(_highest.GetValueOrDefault(key, -1), seq);
                _perMember[member] = _perMember.GetValueOrDefault(member) + 1;
            }
        }

        public void Exit(string key)
        {
            lock (_lock)
            {
                var holder = _active[key];
                _active[key] = (holder.Member, holder.Depth - 1);
            }
        }

        public async Task WaitUntilAsync(Func<bool> condition, DateTime deadline, string what)
        {
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Timed out waiting for {what}: {Report()}");
                }

                await Task.Delay(10);
            }
        }

        public string Report()
        {
            lock (_lock)
            {
                return $"overlaps {Overlaps}, out of order {OutOfOrder}, handled {_done.Values.Sum(s => s.Count)} distinct, {_duplicates} duplicates, " +
                    "per member " + string.Join("/", _perMember.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
            }
        }
    }
}
