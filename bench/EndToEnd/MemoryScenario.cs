using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// Memory with a backlog, in a fresh process per run: a group is created (and left without a consumer), then
/// <see cref="BenchSettings.Backlog"/> 100-byte messages are published at qos 1 with the default flush policy.
/// RSS (VmRSS, after a full compacting GC) is read with the backlog in place, and again once a subscription has
/// opened and handled the first message.
/// </summary>
internal static class MemoryScenario
{
    private const string Topic = "memory";
    private const string Group = "backlogged";
    private const double GoalMiB = 150;

    public static async Task<List<ScenarioResult>> RunAsync(BenchSettings settings)
    {
        var runs = new List<IReadOnlyDictionary<string, double>>();
        for (var r = 0; r < settings.RunCount; r++)
        {
            var directory = settings.NewDataDirectory("memory");
            try
            {
                using var child = new ChildProcess("child-memory", directory, settings.Backlog.ToString(CultureInfo.InvariantCulture), settings.Window.ToString(CultureInfo.InvariantCulture));
                await child.WaitForAsync("DONE", TimeSpan.FromMinutes(10));
                var results = child.Results;
                runs.Add(results);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"memory, run {r + 1}: RSS {results["rss_idle"]:0} MiB connected, {results["rss_backlog"]:0} MiB with {settings.Backlog:#,0} messages backlogged (managed heap {results["heap_backlog"]:0} MiB), {results["rss_first"]:0} MiB after the first delivery (managed heap {results["heap_first"]:0} MiB), peak {results["rss_peak"]:0} MiB"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        List<double> Of(string key) => [.. runs.Select(r => r[key])];
        var backlog = string.Create(CultureInfo.InvariantCulture, $"{settings.Backlog:#,0} x 100 B published at qos 1, one group not consuming");
        return
        [
            new("RSS, backlog", "MiB", Of("rss_backlog"), Goal.Max(GoalMiB), backlog + string.Create(CultureInfo.InvariantCulture, $"; managed heap {new ScenarioResult("", "", Of("heap_backlog")).Median:0} MiB")),
            new("RSS, after first delivery", "MiB", Of("rss_first"), Goal.Max(GoalMiB), string.Create(CultureInfo.InvariantCulture, $"subscription opened, first message handled; managed heap {new ScenarioResult("", "", Of("heap_first")).Median:0} MiB")),
            new("  peak RSS (VmHWM)", "MiB", Of("rss_peak"), Note: "highest RSS of the child while publishing (before any GC)"),
        ];
    }

    public static async Task ChildAsync(string directory, int backlog, int window)
    {
        var broker = Broker.Connect($"embedded://{directory}");
        await using (broker)
        {
            // The group exists (durably) but nobody consumes: every message stays backlogged for it.
            await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(Topic, Group))).DisposeAsync();
            ReportMemory("idle");

            var body = new byte[100];
            await Publisher.PublishAsync(broker, Topic, body, backlog, window);
            ReportMemory("backlog");
            Child.Report("rss_peak", Machine.ResidentMiB().Peak);

            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var subscription = await broker.SubscribeAsync(new SubscriptionOptions(Topic, Group), (message, cancellationToken) =>
            {
                first.TrySetResult();
                return default;
            });
            await first.Task.WaitAsync(TimeSpan.FromMinutes(1));
            ReportMemory("first");
        }

        Child.Say("DONE");
    }

    private static void ReportMemory(string stage)
    {
        Machine.CollectGarbage();
        Child.Report("rss_" + stage, Machine.ResidentMiB().Rss);
        Child.Report("heap_" + stage, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);
    }
}
