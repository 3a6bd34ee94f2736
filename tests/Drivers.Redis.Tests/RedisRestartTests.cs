using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// redis-server SIGKILLed in the middle of a run of 20,000 messages and started again on the same directory, with the
/// append-only file. With <c>appendfsync always</c> nothing the server acknowledged is lost; with <c>everysec</c> the
/// last second before the kill may be, and the test counts it.
/// </summary>
public sealed class RedisRestartTests(ITestOutputHelper output)
{
    private const int Total = 20_000;
    private const int Publishers = 8;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    [ConformanceFact]
    public async Task ServerKilled_AppendFsyncAlways_EveryAcknowledgedMessageHandled()
    {
        var run = await RunAsync("always");
        Assert.True(run.Missing.Count == 0, $"{run.Missing.Count} acknowledged messages never handled, e.g. {string.Join(", ", run.Missing.Take(5))}");
    }

    [ConformanceFact]
    public async Task ServerKilled_AppendFsyncEverysec_LossLimitedToTheLastSecondBeforeTheKill()
    {
        var run = await RunAsync("everysec");
        // What the server acknowledged but had not written to disk yet: at most about a second of publishes.
        Assert.All(run.Missing, id => Assert.Contains(id, run.ConfirmedShortlyBeforeKill));
    }

    private async Task<Run> RunAsync(string fsync)
    {
        await using var server = await RedisProcess.StartAsync("--appendonly", "yes", "--appendfsync", fsync);
        var connectionString = server.ConnectionString("claimIdle=3s&claimInterval=200ms&reconnectDelay=100ms&reconnectMaxDelay=1s&connectTimeout=5s&commandTimeout=2s");
        // connectTimeout 5 s: with 1 s the first connect failed once at load average 45 (the outage itself refuses at once).
        var log = new EventLog();
        var clientOptions = new BrokerClientOptions { LoggerFactory = log };
        var topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
        await using var publisher = Broker.Connect(connectionString, clientOptions);
        await using var consumer = Broker.Connect(connectionString, clientOptions);
        var handled = new ConcurrentDictionary<string, int>();
        await using var subscription = await consumer.SubscribeAsync(
            new SubscriptionOptions(topic, "workers") { Concurrency = 64, Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(100) } },
            (m, _) => { handled.AddOrUpdate(m.Id, 1, (_, n) => n + 1); return default; });

        var clock = Stopwatch.StartNew();
        var confirmed = new ConcurrentDictionary<string, TimeSpan>();
        var publishFailures = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < Total; i += Publishers)
            {
                var id = $"m-{i.ToString(CultureInfo.InvariantCulture)}";
                while (true)
                {
                    try
                    {
                        // Same id on every try: a retry after an unconfirmed publish may duplicate, never lose.
                        await publisher.PublishAsync(topic, new Message(BitConverter.GetBytes(i)) { Id = id });
                        confirmed.TryAdd(id, clock.Elapsed);
                        if (confirmed.Count >= Total / 2)
                        {
                            halfway.TrySetResult();
                        }

                        break;
                    }
                    catch (PublishException)
                    {
                        Interlocked.Increment(ref publishFailures);
                        await Task.Delay(50);
                    }
                }
            }
        })).ToArray();

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var handledBeforeKill = handled.Count;
        await server.KillAsync();
        var killedAt = clock.Elapsed;
        var resubscribeFailuresBefore = log.Count(1013);
        // The condition under test is the server staying away: let the outage last on the clock.
        while (clock.Elapsed - killedAt < Outage)
        {
            await Task.Delay(Outage - (clock.Elapsed - killedAt) + TimeSpan.FromMilliseconds(1));
        }

        var resubscribeTries = log.Count(1013) - resubscribeFailuresBefore;
        await server.StartAgainAsync();
        var restartedAt = clock.Elapsed;
        await Task.WhenAll(publishing).WaitAsync(TimeSpan.FromMinutes(3));
        var publishedAt = clock.Elapsed;

        var deadline = Stopwatch.StartNew();
        List<string> missing;
        while ((missing = [.. confirmed.Keys.Where(id => !handled.ContainsKey(id))]).Count > 0 && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }

        // Everything confirmed after the restart was on disk before it was confirmed, whatever the fsync policy.
        var lostAfterRestart = missing.Where(id => confirmed[id] > restartedAt).ToList();
        var shortlyBefore = confirmed.Where(c => c.Value > killedAt - TimeSpan.FromSeconds(2) && c.Value <= killedAt).Select(c => c.Key).ToHashSet();
        var duplicates = handled.Values.Sum(n => n - 1);
        output.WriteLine(
            $"appendfsync {fsync}: confirmed {confirmed.Count}/{Total}, handled distinct {handled.Count}, duplicates {duplicates}, lost {missing.Count} " +
            $"(confirmed in the 2 s before the kill: {shortlyBefore.Count}); publish failures retried {publishFailures}; handled before kill {handledBeforeKill}; " +
            $"killed at {killedAt.TotalSeconds:F1}s, resubscribe tries during the {Outage.TotalSeconds:F0} s outage {resubscribeTries}, back at {restartedAt.TotalSeconds:F1}s, " +
            $"publishing done at {publishedAt.TotalSeconds:F1}s, all handled at {clock.Elapsed.TotalSeconds:F1}s; " +
            $"log: connection lost (5301) x{log.Count(5301)}, consumer lost (1011) x{log.Count(1011)}, resubscribed (1012) x{log.Count(1012)}, restored (5302) x{log.Count(5302)}");
        Assert.Equal(Total, confirmed.Count);
        Assert.Empty(lostAfterRestart);
        Assert.True(publishFailures > 0, "the outage should have failed some publishes; was the server really killed mid-run?");
        Assert.True(log.Count(5301) >= 1, "the lost connection is logged (5301)");
        Assert.True(log.Count(1012) >= 1, "the subscription resubscribed by itself and said so (1012)");
        // reconnectDelay 100 ms doubling to 1 s: a handful of tries in the outage, not a tight loop.
        Assert.InRange(resubscribeTries, 0, 12);
        return new Run(missing, shortlyBefore);
    }

    private sealed record Run(List<string> Missing, HashSet<string> ConfirmedShortlyBeforeKill);
}
