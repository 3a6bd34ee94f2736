using System.Diagnostics;
using System.Globalization;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// Lease extension (a handler longer than claimIdle keeps its message) and the consume loop's polling: an idle consumer
/// neither spins (XREADGROUP calls counted by the server) nor waits long for the next message (wake-up on, and off).
/// Each test runs its own redis-server, so the server's command counts are this test's alone, and the collection runs
/// alone, so that the timings are the driver's and not those of the fault tests running beside it.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class RedisLeaseAndPollingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [ConformanceFact]
    public async Task HandlerLongerThanClaimIdle_KeepsItsMessage_NobodyElseGetsIt()
    {
        await using var server = await RedisProcess.StartAsync();
        var connectionString = server.ConnectionString("claimIdle=1s&claimInterval=100ms");
        await using var a = Broker.Connect(connectionString);
        await using var b = Broker.Connect(connectionString);
        var topic = "lease-" + Guid.NewGuid().ToString("N")[..8];
        var startedA = new Recorder<Message>();
        var finishedA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seenB = new Recorder<Message>();
        await using var subA = await a.SubscribeAsync(new SubscriptionOptions(topic, "g"), async (m, _) =>
        {
            startedA.Add(m);
            if (m.GetString() == "slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(3.5)); // the work: three and a half times claimIdle
                finishedA.TrySetResult();
            }
        });
        await a.PublishAsync(topic, Message.FromString("slow"));
        await startedA.WaitForCountAsync(1, Timeout);
        await using var subB = await b.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seenB.Add(m); return default; });
        await finishedA.Task.WaitAsync(Timeout);

        // After the acknowledgement nothing of it is left pending, and B, claiming every 100 ms all along, never got it.
        var marker = Message.FromString("marker");
        await a.PublishAsync(topic, marker);
        await seenB.WaitUntilAsync(_ => startedA.Items.Concat(seenB.Items).Any(m => m.Id == marker.Id), Timeout, "the marker");
        Assert.DoesNotContain(seenB.Items, m => m.GetString() == "slow");
        Assert.Equal(1, Assert.Single(startedA.Items, m => m.GetString() == "slow").DeliveryAttempt);
        await WaitUntilNothingPendingAsync(server, topic);
    }

    [ConformanceFact]
    public async Task IdleConsumer_PollsAtMostEveryPollMax_AndAWakeUpBringsTheNextMessageAtOnce()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var broker = Broker.Connect(server.ConnectionString());
        var topic = "idle-" + Guid.NewGuid().ToString("N")[..8];
        var arrivals = new Recorder<(string Id, long At)>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { arrivals.Add((m.Id, Stopwatch.GetTimestamp())); return default; });

        var calls = await IdleReadsAsync(server, TimeSpan.FromSeconds(3));
        // pollMax 100 ms: about 30 reads in 3 s (plus the claim rounds, every second), never thousands.
        output.WriteLine($"idle for 3 s: {calls} XREADGROUP calls");
        Assert.InRange(calls, 10, 45);

        var latencies = await IdleToFirstMessageAsync(broker, topic, arrivals, rounds: 5);
        output.WriteLine($"wake-up on: idle-to-first-message latency {Describe(latencies)}");
        Assert.True(Median(latencies) < 25, $"median {Median(latencies)} ms with the wake-up");
    }

    [ConformanceFact]
    public async Task WakeUpOff_IdleToFirstMessage_BoundedByPollMax()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var broker = Broker.Connect(server.ConnectionString("wakeUp=false&pollMax=200ms"));
        var topic = "nowake-" + Guid.NewGuid().ToString("N")[..8];
        var arrivals = new Recorder<(string Id, long At)>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { arrivals.Add((m.Id, Stopwatch.GetTimestamp())); return default; });
        var latencies = await IdleToFirstMessageAsync(broker, topic, arrivals, rounds: 5);
        output.WriteLine($"wake-up off, pollMax 200 ms: idle-to-first-message latency {Describe(latencies)}");
        Assert.InRange(Median(latencies), 0, 200 + 50);
        Assert.Equal(0, await server.CliAsync("PUBSUB", "NUMSUB", "omnibus:wake:0:" + topic) is var numsub ? int.Parse(numsub.Split('\n')[1].Trim(), CultureInfo.InvariantCulture) : -1);
    }

    /// <summary>XREADGROUP calls the server counted while the consumer idled for <paramref name="idle"/>.</summary>
    private static async Task<long> IdleReadsAsync(RedisProcess server, TimeSpan idle)
    {
        await Task.Delay(TimeSpan.FromSeconds(1)); // let the adaptive wait reach pollMax first
        await server.CliAsync("CONFIG", "RESETSTAT");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < idle)
        {
            await Task.Delay(idle - clock.Elapsed + TimeSpan.FromMilliseconds(1)); // the condition is time passing
        }

        var stats = await server.CliAsync("INFO", "commandstats");
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_xreadgroup:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Publishes one message after the consumer idled for 1 s, <paramref name="rounds"/> times; the publish-to-handler times in ms.</summary>
    private static async Task<List<double>> IdleToFirstMessageAsync(IBroker broker, string topic, Recorder<(string Id, long At)> arrivals, int rounds)
    {
        var latencies = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // idle: the consumer's wait has grown to pollMax
            var message = Message.FromString($"after-idle-{i}");
            var sent = Stopwatch.GetTimestamp();
            await broker.PublishAsync(topic, message);
            await arrivals.WaitUntilAsync(items => items.Any(a => a.Id == message.Id), Timeout, message.Id);
            latencies.Add(Stopwatch.GetElapsedTime(sent, arrivals.Items.Single(a => a.Id == message.Id).At).TotalMilliseconds);
        }

        return latencies;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Describe(List<double> values) =>
        $"median {Median(values):F1} ms (each: {string.Join(", ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))})";

    private static async Task WaitUntilNothingPendingAsync(RedisProcess server, string topic)
    {
        var deadline = Stopwatch.StartNew();
        while ((await server.CliAsync("XPENDING", topic, "g")).Split('\n')[0].Trim() != "0")
        {
            Assert.True(deadline.Elapsed < Timeout, "entries stayed pending");
            await Task.Delay(50);
        }
    }
}

/// <summary>Timing-sensitive tests: run after the others, not beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "redis-timing";
}
