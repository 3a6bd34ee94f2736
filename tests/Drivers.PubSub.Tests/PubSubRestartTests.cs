using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// The emulator killed and started again (same port) in the middle of 20,000 messages published and consumed by one
/// connection. The emulator keeps everything in memory, so what it had confirmed and not yet delivered when it died
/// is gone with it: the test counts that loss instead of asserting it away. What it asserts: every message the
/// restarted emulator confirmed is handled (the driver re-created the topic with the group's subscription before
/// publishing there again), the streaming pull came back by itself and said so (events 5604 and 1012), and the
/// reconnection backed off rather than spinning while the emulator was away. The test has an emulator of its own.
/// </summary>
public sealed class PubSubRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Total = 20_000;
    private const int Publishers = 8;
    private readonly PubSubEmulator _emulator = new();

    public Task InitializeAsync() => _emulator.InitializeAsync();

    public Task DisposeAsync() => _emulator.DisposeAsync();

    [ConformanceFact]
    public async Task EmulatorRestart_MidRun20000Messages_EveryMessageConfirmedAfterTheRestartHandled()
    {
        _emulator.Require();
        var clock = Stopwatch.StartNew();
        var topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
        using var events = new CapturingLoggerFactory();
        await using var broker = Broker.Connect(_emulator.ConnectionString + "&requestTimeout=2s", new BrokerClientOptions { LoggerFactory = events });
        var handled = new ConcurrentDictionary<string, int>();
        await using var subscription = await broker.SubscribeAsync(
            new SubscriptionOptions(topic, "workers") { Concurrency = 32, Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(100) } },
            (m, _) => { handled.AddOrUpdate(m.Id, 1, (_, n) => n + 1); return default; });

        // Per id: the emulator generation (0 before the kill, 1 after the restart) that confirmed it last.
        var confirmed = new ConcurrentDictionary<string, int>();
        var generation = 0;
        var publishFailures = 0;
        var halfway = new TaskCompletionSource();
        var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < Total; i += Publishers)
            {
                var id = $"m-{i.ToString(CultureInfo.InvariantCulture)}";
                while (true)
                {
                    var before = Volatile.Read(ref generation);
                    try
                    {
                        await broker.PublishAsync(topic, new Message(BitConverter.GetBytes(i)) { Id = id });
                        confirmed[id] = before;
                        if (confirmed.Count >= Total / 2)
                        {
                            halfway.TrySetResult();
                        }

                        break;
                    }
                    catch (PublishException)
                    {
                        Interlocked.Increment(ref publishFailures);
                        await Task.Delay(100); // retry pacing while the emulator is away
                    }
                }
            }
        })).ToArray();

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var handledBeforeStop = handled.Count;
        _emulator.Stop();
        var stoppedAt = clock.Elapsed;
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(TimeSpan.FromSeconds(3) - outage.Elapsed + TimeSpan.FromMilliseconds(1)); // the outage itself
        }

        var resubscribeFailuresInOutage = Count(events, 1013);
        var pullStopped = Count(events, 5604);
        Volatile.Write(ref generation, 1); // from here a publish is confirmed (if at all) by the restarted emulator
        await _emulator.StartAsync();
        var restartedAt = clock.Elapsed;
        await Task.WhenAll(publishing).WaitAsync(TimeSpan.FromMinutes(3));
        var publishedAt = clock.Elapsed;

        var afterRestart = confirmed.Where(c => c.Value == 1).Select(c => c.Key).ToList();
        var deadline = Stopwatch.StartNew();
        while (afterRestart.Any(id => !handled.ContainsKey(id)) && deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(200); // polling the handled set until it covers every id the new emulator confirmed, or the deadline
        }

        var missingAfterRestart = afterRestart.Count(id => !handled.ContainsKey(id));
        var lostWithTheEmulator = confirmed.Count(c => c.Value == 0 && !handled.ContainsKey(c.Key));
        var duplicates = handled.Values.Sum(n => n - 1);
        output.WriteLine(
            $"confirmed {confirmed.Count}/{Total} ({confirmed.Count - afterRestart.Count} by the first emulator, {afterRestart.Count} by the restarted one), handled distinct {handled.Count} ({handledBeforeStop} before the kill), " +
            $"missing of those the restarted emulator confirmed {missingAfterRestart}, lost with the killed emulator's memory {lostWithTheEmulator}, duplicates {duplicates}, publish failures retried {publishFailures}; " +
            $"pull stopped events {pullStopped}, resubscribe attempts failed during the 3 s outage {resubscribeFailuresInOutage}; killed at {stoppedAt.TotalSeconds:F1}s, back at {restartedAt.TotalSeconds:F1}s, " +
            $"publishing done at {publishedAt.TotalSeconds:F1}s, checked at {clock.Elapsed.TotalSeconds:F1}s; events: {string.Join(", ", events.Messages.GroupBy(m => m.Split(' ')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}x{g.Count()}"))}");
        Assert.Equal(Total, confirmed.Count);
        Assert.True(afterRestart.Count > 0, "nothing was published after the restart; was the emulator stopped mid-run?");
        Assert.True(publishFailures > 0, "the outage should have failed some publishes; was the emulator really stopped mid-run?");
        Assert.Equal(0, missingAfterRestart);
        Assert.True(pullStopped > 0, "the driver should log the stopped streaming pull (5604)");
        Assert.True(Count(events, 1012) > 0, "the subscription should log its resubscription (1012)");
        Assert.True(Count(events, 5608) > 0, "the driver should log the re-created topic (5608)");
        Assert.True(resubscribeFailuresInOutage < 20, $"{resubscribeFailuresInOutage} resubscribe attempts in 3 s: the backoff is not holding");
    }

    /// <summary>How often event <paramref name="id"/> was logged.</summary>
    private static int Count(CapturingLoggerFactory events, int id) => events.Messages.Count(m => m.StartsWith($"{id} ", StringComparison.Ordinal));
}
