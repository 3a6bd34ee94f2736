using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Omnibus.Bench.Micro;

/// <summary>
/// The configuration of every benchmark here: BenchmarkDotNet's defaults with one shorter job, so a full run stays
/// within a few minutes on a 2-core machine, with enough iterations that the median is stable on a noisy one.
/// </summary>
public static class MicroConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithId("Micro")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithToolchain(InProcessEmitToolchain.Instance))
        // The machine is noisy: the median is the figure docs/benchmarks.md quotes, so always show it.
        .AddColumn(StatisticColumn.Median);
}
