using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// End-to-end throughput: publishers keep <see cref="BenchSettings.Window"/> <c>PublishAsync</c> calls outstanding
/// each, subscriptions of one group handle every message (the handler returns at once, which acknowledges), and
/// the clock runs from the first publish to the last message handled. Each run uses a fresh data directory.
/// </summary>
internal static class ThroughputScenario
{
    private const string Topic = "bench";
    private const string Group = "bench";
    private const int BodyBytes = 100;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A measured case: <paramref name="Options"/> is the connection string's query.</summary>
    private sealed record Case(string Name, string Options, int Publishers, int Subscriptions, double? Goal);

    private static readonly Case[] Cases =
    [
        new("qos1 1 pub / 1 sub", "", 1, 1, 200_000),
        new("qos1 4 pub / 4 sub", "", 4, 4, 200_000),
        new("qos0 1 pub / 1 sub", "qos=0&flush=never", 1, 1, null),
        new("qos2 1 pub / 1 sub", "qos=2", 1, 1, null),
    ];

    private readonly record struct Run(double MessagesPerSecond, double PublishesPerSecond, double RecordsPerFsync, double BytesPerRecord, double AllocatedPerMessage, double CpuMicrosPerMessage, double GcPausePercent);

    public static async Task<List<ScenarioResult>> RunAllAsync(BenchSettings settings)
    {
        var results = new List<ScenarioResult>();
        foreach (var @case in Cases.Where(c => settings.Only is null || c.Name.Contains(settings.Only, StringComparison.Ordinal)))
        {
            // One unmeasured run first: tiered compilation with dynamic PGO needs a few seconds to reach its final
            // code, and a shorter warm-up left the first measured run up to 30% slower than the next ones.
            await RunOnceAsync(settings, @case, settings.Messages);
            var runs = new List<Run>();
            for (var r = 0; r < settings.RunCount; r++)
            {
                var run = await RunOnceAsync(settings, @case, settings.Messages);
                runs.Add(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{@case.Name}, run {r + 1}: {run.MessagesPerSecond:#,0} msg/s end to end, publishes acknowledged at {run.PublishesPerSecond:#,0}/s, {run.RecordsPerFsync:#,0.0} records per log fsync, {run.BytesPerRecord:0} bytes per record, {run.AllocatedPerMessage:#,0} bytes allocated and {run.CpuMicrosPerMessage:0.00} us of CPU per message, GC paused {run.GcPausePercent:0.0}% of the time"));
            }

            var median = runs.OrderBy(r => r.MessagesPerSecond).ElementAt(runs.Count / 2);
            var how = string.Create(CultureInfo.InvariantCulture,
                $"{@case.Publishers}x{settings.Window} outstanding PublishAsync; {@case.Subscriptions} subscription(s), concurrency 1, one group; {Median(runs, r => r.CpuMicrosPerMessage):0.00} us CPU and {Median(runs, r => r.AllocatedPerMessage):#,0} B allocated per message");
            results.Add(new ScenarioResult(@case.Name, "msg/s", [.. runs.Select(r => r.MessagesPerSecond)], @case.Goal is { } g ? Goal.Min(g) : null, how));

            // Under flush=never there is no fsync per batch, so there is no disk ceiling to compare with.
            if (!@case.Options.Contains("flush=never", StringComparison.Ordinal))
            {
                results.Add(await DiskCeiling.RunAsync(settings, @case.Name, Median(runs, r => r.RecordsPerFsync), median.BytesPerRecord, median.MessagesPerSecond));
            }
        }

        return results;
    }

    private static double Median(List<Run> runs, Func<Run, double> value) => runs.Select(value).Order().ElementAt(runs.Count / 2);

    private static async Task<Run> RunOnceAsync(BenchSettings settings, Case @case, int messages)
    {
        var directory = settings.NewDataDirectory("throughput");
        var extra = string.Join('&', new[] { @case.Options, settings.Extra ?? "" }.Where(o => o.Length > 0));
        var connectionString = $"embedded://{directory}" + (extra.Length > 0 ? "?" + extra : "");
        try
        {
            var broker = Broker.Connect(connectionString);
            await using (broker)
            {
                var handled = 0L;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ValueTask Handle(Message message, CancellationToken cancellationToken)
                {
                    if (Interlocked.Increment(ref handled) == messages)
                    {
                        done.TrySetResult();
                    }

                    return default;
                }

                var subscriptions = new List<ISubscription>();
                for (var s = 0; s < @case.Subscriptions; s++)
                {
                    subscriptions.Add(await broker.SubscribeAsync(new SubscriptionOptions(Topic, Group), Handle));
                }

                var body = new byte[BodyBytes];
                Random.Shared.NextBytes(body);
                var perPublisher = messages / @case.Publishers;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var pausedBefore = GC.GetTotalPauseDuration();
                var clock = Stopwatch.StartNew();
                var publishers = Enumerable.Range(0, @case.Publishers)
                    .Select(p => Task.Run(() => Publisher.PublishAsync(broker, Topic, body, p == 0 ? messages - (perPublisher * (@case.Publishers - 1)) : perPublisher, settings.Window)))
                    .ToArray();
                await Task.WhenAll(publishers);
                var published = clock.Elapsed;
                await done.Task.WaitAsync(RunTimeout);
                var elapsed = clock.Elapsed;
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
                var paused = GC.GetTotalPauseDuration() - pausedBefore;
                var counters = await EngineProbe.ReadAsync(connectionString, Topic);
                foreach (var subscription in subscriptions)
                {
                    await subscription.DisposeAsync();
                }

                return new Run(
                    messages / elapsed.TotalSeconds,
                    messages / published.TotalSeconds,
                    counters.Fsyncs == 0 ? double.PositiveInfinity : (double)counters.Records / counters.Fsyncs,
                    (double)counters.Bytes / counters.Records,
                    (double)allocated / messages,
                    cpu.TotalMicroseconds / messages,
                    100 * paused / elapsed);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
