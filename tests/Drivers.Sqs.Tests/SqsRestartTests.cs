using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>
/// The endpoint goes away and comes back, in the middle of 20,000 messages published and consumed. fauxqs keeps its
/// queues in memory, so it comes back empty: the test lets the consumer catch up with the first 10,000 before the
/// stop (nothing the publisher saw confirmed is then in the emulator only), publishes the other 10,000 from the stop
/// on (publishes failing while it is away are retried), and counts every confirmed message handled. It also checks
/// that the driver said what happened and that the consumer's reopening backed off instead of spinning.
/// Its own emulator: the restart must not disturb the other tests.
/// </summary>
public sealed class SqsRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Total = 20_000;
    private const int Publishers = 8;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);
    private readonly FauxqsServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [ConformanceFact]
    public async Task EndpointRestart_MidRun20000Messages_EveryConfirmedMessageHandled_NoSpinning()
    {
        _server.Require();
        var clock = Stopwatch.StartNew();
        var topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
        using var logs = new CapturingLoggerFactory();
        await using var publisher = Broker.Connect(_server.ConnectionString + "&maxErrorRetry=0&requestTimeout=2s", new BrokerClientOptions { LoggerFactory = logs });
        await using var consumer = Broker.Connect(_server.ConnectionString + "&maxErrorRetry=0&requestTimeout=2s", new BrokerClientOptions { LoggerFactory = logs });
        var handled = new ConcurrentDictionary<string, int>();
        await using var subscription = await consumer.SubscribeAsync(
            new SubscriptionOptions(topic, "workers") { Concurrency = 32, Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(100) } },
            (m, _) => { handled.AddOrUpdate(m.Id, 1, (_, n) => n + 1); return default; });

        var confirmed = new ConcurrentDictionary<string, byte>();
        var publishFailures = 0;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < Total; i += Publishers)
            {
                if (i >= Total / 2)
                {
                    await stopped.Task; // the second half goes out from the stop on, into the outage
                }

                var id = $"m-{i.ToString(CultureInfo.InvariantCulture)}";
                while (true)
                {
                    try
                    {
                        await publisher.PublishAsync(topic, new Message(BitConverter.GetBytes(i)) { Id = id });
                        confirmed.TryAdd(id, 0);
                        break;
                    }
                    catch (PublishException)
                    {
                        Interlocked.Increment(ref publishFailures);
                        await Task.Delay(100); // retry pacing while the endpoint is away
                    }
                }
            }
        })).ToArray();

        await WaitUntilAsync(() => confirmed.Count == Total / 2 && confirmed.Keys.All(handled.ContainsKey), TimeSpan.FromMinutes(1), "the first half handled");
        var handledBeforeStop = handled.Count;
        var eventsBeforeStop = logs.Messages.Count;
        _server.Stop();
        stopped.SetResult();
        var stoppedAt = clock.Elapsed;
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < Outage)
        {
            await Task.Delay(Outage - outage.Elapsed + TimeSpan.FromMilliseconds(1)); // the outage itself
        }

        var duringOutage = logs.Messages.Skip(eventsBeforeStop).ToList();
        await _server.StartAsync();
        var restartedAt = clock.Elapsed;
        await Task.WhenAll(publishing).WaitAsync(TimeSpan.FromMinutes(2));
        var publishedAt = clock.Elapsed;
        await WaitUntilAsync(() => confirmed.Keys.All(handled.ContainsKey), TimeSpan.FromMinutes(1), "every confirmed message handled");

        var missing = confirmed.Keys.Count(id => !handled.ContainsKey(id));
        var duplicates = handled.Values.Sum(n => n - 1);
        int Count(IEnumerable<string> lines, int id) => lines.Count(l => l.StartsWith(id.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        var all = logs.Messages;
        output.WriteLine(
            $"confirmed {confirmed.Count}/{Total}, handled distinct {handled.Count} ({handledBeforeStop} before the stop), duplicates {duplicates}, missing {missing}, " +
            $"publish failures retried {publishFailures}; during the {Outage.TotalSeconds:0} s outage: receive failures (5502) {Count(duringOutage, 5502)}, resubscribe failures (1013) {Count(duringOutage, 1013)}; " +
            $"after: resubscribed (1012) {Count(all, 1012)}, queue gone (5506) {Count(all, 5506)}, queue created (5501) {Count(all, 5501)}; " +
            $"stopped at {stoppedAt.TotalSeconds:F1}s, back at {restartedAt.TotalSeconds:F1}s, publishing done at {publishedAt.TotalSeconds:F1}s, checked at {clock.Elapsed.TotalSeconds:F1}s");
        Assert.Equal(Total, confirmed.Count);
        Assert.Equal(0, missing);
        Assert.True(publishFailures > 0, "the outage should have failed some publishes; was the emulator really stopped mid-run?");
        Assert.True(Count(all, 5502) > 0, "the driver should log the failed receive (5502)");
        Assert.True(Count(all, 1012) > 0, "the subscription should log its resubscription (1012)");
        Assert.InRange(Count(duringOutage, 1013), 1, 20); // backing off (100 ms doubling to 1 s), not spinning
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(100); // polling the condition, with the deadline above
        }
    }
}
