namespace Omnibus.Bench.Drivers;

/// <summary>One side of one case: a measured run of <c>messages</c>.</summary>
internal delegate Task<Sample> BenchSide(int messages);

/// <summary>
/// The schedule every broker's bench follows: one unmeasured warm-up round (a fifth of the messages, at least 1,000),
/// then <see cref="BenchSettings.RunCount"/> runs, each case raw then Omnibus (interleaved), reported as they finish.
/// (NatsBench uses it; KafkaBench and RabbitMqBench still spell the same loop out.)
/// </summary>
internal static class CaseRounds
{
    public static async Task<List<CaseResult>> RunAsync(
        BenchSettings settings, int messages, string broker, (CaseResult Result, BenchSide Raw, BenchSide Omnibus) publish, (CaseResult Result, BenchSide Raw, BenchSide Omnibus) consume)
    {
        var cases = new[] { (Enabled: settings.Publish, Case: publish), (Enabled: settings.Consume, Case: consume) }.Where(c => c.Enabled).Select(c => c.Case).ToList();
        Console.WriteLine($"{broker}: warm-up round (not measured)");
        var warmUp = Math.Max(1000, messages / 5);
        foreach (var (_, raw, omnibus) in cases)
        {
            await raw(warmUp);
            await omnibus(warmUp);
        }

        for (var run = 1; run <= settings.RunCount; run++)
        {
            foreach (var (result, raw, omnibus) in cases)
            {
                KafkaBench.Report(run, result, "raw", await raw(messages), result.Raw);
                KafkaBench.Report(run, result, "Omnibus", await omnibus(messages), result.Omnibus);
            }
        }

        return [.. cases.Select(c => c.Result)];
    }
}
