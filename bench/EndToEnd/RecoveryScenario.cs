using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Embedded.Internal.Engine;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// Crash recovery: a child process builds about <see cref="BenchSettings.LogMib"/> MiB of log (100-byte messages,
/// qos 0 and flush=never to build fast) while group "live" consumes everything (its journal of settlements grows as
/// it would in production) and group "backlog" consumes nothing (the whole log is its backlog). The child is SIGKILLed
/// while still publishing. Then fresh processes open the broker and time, from <c>Broker.Connect</c>: the first
/// publish acknowledged (qos 1, durable), the first delivery to "live" (its checkpoint and journal replayed), and the
/// first delivery to "backlog" (read from the oldest segment); first with the page cache dropped (cold), then warm.
/// Each opening process is SIGKILLed too, so every open is a crash recovery.
/// </summary>
internal static class RecoveryScenario
{
    private const string Topic = "recovery";
    private const string LiveGroup = "live";
    private const string BacklogGroup = "backlog";
    private const double GoalMs = 2000;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static async Task<List<ScenarioResult>> RunAsync(BenchSettings settings)
    {
        var directory = settings.NewDataDirectory("recovery");
        try
        {
            using (var builder = new ChildProcess("child-build", directory, settings.LogMib.ToString(CultureInfo.InvariantCulture), settings.Window.ToString(CultureInfo.InvariantCulture)))
            {
                await builder.WaitForAsync("BUILT", Timeout);
                await builder.KillAsync();
                var built = builder.Results;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"recovery: built {built["log_mib"]:#,0} MiB ({built["messages"]:#,0} messages of 100 bytes, {built["consumed"]:#,0} consumed by group live) in {built["build_s"]:0.0} s, SIGKILLed while still publishing"));
            }

            var results = new List<ScenarioResult>();
            var canDrop = DropPageCache();
            foreach (var cold in canDrop ? new[] { true, false } : [false])
            {
                var runs = new List<IReadOnlyDictionary<string, double>>();
                for (var r = 0; r < settings.RunCount; r++)
                {
                    if (cold)
                    {
                        DropPageCache();
                    }

                    using var opener = new ChildProcess("child-open", directory);
                    await opener.WaitForAsync("DONE", Timeout);
                    var processMs = opener.Started.Elapsed.TotalMilliseconds;
                    await opener.KillAsync();
                    var o = opener.Results;
                    runs.Add(new Dictionary<string, double>(o) { ["process_ms"] = processMs });
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"recovery ({(cold ? "cold" : "warm")} page cache), run {r + 1}: from Broker.Connect, first publish acknowledged after {o["publish_ms"]:0} ms, first delivery to live after {o["live_ms"]:0} ms, to backlog after {o["backlog_ms"]:0} ms; whole child process {processMs:0} ms; tail truncated {o["truncated_bytes"]:0} bytes; live's journal {o["journal_mib"]:0.0} MiB at open"));
                }

                List<double> Of(string key) => [.. runs.Select(r => r[key])];
                var cache = cold ? "cold cache (dropped before each open)" : "warm cache";
                results.Add(new($"recovery, {(cold ? "cold" : "warm")}: connect + first publish", "ms", Of("publish_ms"), Goal.Max(GoalMs), $"{cache}; ~{settings.LogMib} MiB log, SIGKILLed while publishing"));
                results.Add(new($"recovery, {(cold ? "cold" : "warm")}: + first delivery, live", "ms", Of("live_ms"), Goal.Max(GoalMs), $"{cache}; after the publish; group that consumed everything (checkpoint + journal replay)"));
                results.Add(new($"recovery, {(cold ? "cold" : "warm")}: + first delivery, backlog", "ms", Of("backlog_ms"), Goal.Max(GoalMs), $"{cache}; after the above; group with the whole log as backlog"));
                results.Add(new($"  whole process, {(cold ? "cold" : "warm")}", "ms", Of("process_ms"), Note: "process start (runtime, JIT) to both firsts"));
            }

            if (!canDrop)
            {
                Console.WriteLine("recovery: could not drop the page cache (needs root): only warm-cache figures");
            }

            return results;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static async Task BuildChildAsync(string directory, int mib, int window)
    {
        var broker = Broker.Connect($"embedded://{directory}?qos=0&flush=never");
        var clock = Stopwatch.StartNew();
        await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(Topic, BacklogGroup))).DisposeAsync();
        var consumed = 0L;
        var live = await broker.SubscribeAsync(new SubscriptionOptions(Topic, LiveGroup), (message, cancellationToken) =>
        {
            Interlocked.Increment(ref consumed);
            return default;
        });
        var body = new byte[100];
        Random.Shared.NextBytes(body);
        var logDirectory = Path.Combine(directory, "topics", Topic, "log");
        var target = mib * 1024L * 1024;
        const int Chunk = 100_000;
        for (var published = 0L; ; published += Chunk)
        {
            await Publisher.PublishAsync(broker, Topic, body, Chunk, window);
            var bytes = Directory.EnumerateFiles(logDirectory, "*.log", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            if (bytes >= target)
            {
                Child.Report("log_mib", bytes / 1048576.0);
                Child.Report("messages", published + Chunk);
                Child.Report("consumed", Interlocked.Read(ref consumed));
                Child.Report("build_s", clock.Elapsed.TotalSeconds);
                Child.Say("BUILT");
                break;
            }
        }

        // Keep writing until the parent's SIGKILL lands, so it hits a process in the middle of appending.
        while (true)
        {
            await Publisher.PublishAsync(broker, Topic, body, Chunk, window);
        }
    }

    public static async Task OpenChildAsync(string directory)
    {
        var connectionString = $"embedded://{directory}";
        var clock = Stopwatch.StartNew();
        var broker = Broker.Connect(connectionString);
        await broker.PublishAsync(Topic, new Message(new byte[100]));
        Child.Report("publish_ms", clock.Elapsed.TotalMilliseconds);
        foreach (var group in new[] { LiveGroup, BacklogGroup })
        {
            // Closed after its first message, so the next group's open does not compete with it for the CPU.
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var subscription = await broker.SubscribeAsync(new SubscriptionOptions(Topic, group), (message, cancellationToken) =>
            {
                first.TrySetResult();
                return default;
            });
            await first.Task;
            Child.Report(group + "_ms", clock.Elapsed.TotalMilliseconds);
            await subscription.DisposeAsync();
        }

        var engine = BrokerEngine.Acquire(EmbeddedSettings.From(ConnectionString.Parse(connectionString), directory), NullLoggerFactory.Instance);
        Child.Report("truncated_bytes", engine.FindTopic(Topic)!.Log.RecoveryReports.Sum(r => r.BytesTruncated));
        var journal = Path.Combine(directory, "topics", Topic, "groups", LiveGroup, "journal");
        Child.Report("journal_mib", File.Exists(journal) ? new FileInfo(journal).Length / 1048576.0 : 0);
        Child.Say("DONE");
        await Task.Delay(System.Threading.Timeout.Infinite); // the parent SIGKILLs this process
    }

    /// <summary>Writes dirty pages back and drops the page cache; false where that is not allowed.</summary>
    private static bool DropPageCache()
    {
        try
        {
            using (var sync = Process.Start("sync"))
            {
                sync.WaitForExit();
            }

            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
