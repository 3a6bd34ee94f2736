using Omnibus.Embedded.Tests.Storage;
using Xunit.Abstractions;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>
/// Kills a real child process with SIGKILL at random points while it publishes and consumes, restarts it on
/// the same data directory, and counts what was lost and what was delivered again.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 5;
    private const int PublishesPerRun = 45_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task KilledAtRandomPoints_FiveTimes_EveryAcknowledgedPublishIsDelivered(int qos)
    {
        using var data = new TempDirectory();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var published = new HashSet<string>();
        var received = new HashSet<string>();
        var acknowledged = new HashSet<string>();
        var duplicates = 0;
        void Account(CrashChild child)
        {
            foreach (var line in child.Lines)
            {
                var (kind, id) = (line[..line.IndexOf(' ')], line[(line.IndexOf(' ') + 1)..]);
                switch (kind)
                {
                    case "P":
                        published.Add(id);
                        break;
                    case "C":
                        duplicates += acknowledged.Contains(id) ? 1 : 0;
                        received.Add(id);
                        break;
                    case "A":
                        acknowledged.Add(id);
                        break;
                }
            }
        }

        for (var run = 1; run <= Kills; run++)
        {
            var killAfter = random.Next(PublishesPerRun / 2, PublishesPerRun * 19 / 20);
            using var child = new CrashChild(data.Path, qos, run.ToString(System.Globalization.CultureInfo.InvariantCulture), PublishesPerRun);
            var reached = await child.WaitUntilAsync(c => c.GetValueOrDefault("P") >= killAfter, Timeout);
            Assert.True(reached, $"run {run} ended before {killAfter} publishes: {string.Join(" | ", child.Errors.Take(20))}");
            await child.KillAsync();
            var before = duplicates;
            Account(child);
            output.WriteLine($"run {run}: killed after {child.Counts.GetValueOrDefault("P")} acknowledged publishes, {child.Counts.GetValueOrDefault("C")} deliveries, {child.Counts.GetValueOrDefault("A")} acks; {duplicates - before} deliveries of already-acknowledged messages");
        }

        // A last run publishes nothing and consumes until everything acknowledged to a publisher has arrived.
        var missing = published.Except(received).ToHashSet();
        using (var last = new CrashChild(data.Path, qos, "final", 0))
        {
            var caughtUp = await last.WaitUntilAsync(_ => missing.IsSubsetOf(last.Lines.Where(l => l.StartsWith("C ", StringComparison.Ordinal)).Select(l => l[2..])), Timeout);
            await last.KillAsync();
            Account(last);
            Assert.True(caughtUp, $"{published.Except(received).Count()} acknowledged publishes never delivered (seed {seed}); e.g. {string.Join(", ", published.Except(received).Take(5))}");
        }

        output.WriteLine($"qos {qos}, seed {seed}: {published.Count} acknowledged publishes, all delivered; {duplicates} deliveries of already-acknowledged messages");
        Assert.True(published.Count >= 100_000, $"only {published.Count} acknowledged publishes");
        Assert.Empty(published.Except(received));
        if (qos == 2)
        {
            Assert.Equal(0, duplicates);
        }
        else
        {
            // Only acknowledgements still inside the flush window when the process died can be lost.
            Assert.True(duplicates <= Kills * 5_000, $"{duplicates} redeliveries of acknowledged messages over {Kills} kills");
        }
    }
}
