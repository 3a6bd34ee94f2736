using Omnibus.Bench;
using System.Globalization;
using Omnibus.Bench.EndToEnd;
using Omnibus.Embedded;

// End-to-end numbers of the embedded broker (docs/benchmarks.md, "Embedded broker"):
//   dotnet run -c Release --project bench/EndToEnd -- [throughput] [memory] [recovery] [options]
// No scenario named: all of them. The disk ceiling is part of "throughput" (it needs the engine's batch size).
// Options: --messages N (per throughput run, default 1000000), --runs R (default 3), --window W (outstanding
// publishes per publisher, default 1000), --backlog N (memory scenario, default 1000000), --log-mib M
// (recovery scenario, default 1024), --dir D (where the temporary data directories go, default the system temp).
// The child-* verbs are the harness re-running itself in a fresh process (memory and crash-recovery scenarios).
_ = typeof(EmbeddedDriverFactory); // loads the driver assembly so the registry finds embedded://

if (args.Length > 0 && args[0].StartsWith("child-", StringComparison.Ordinal))
{
    return await Child.RunAsync(args);
}

var settings = BenchSettings.Parse(args);
var results = new List<ScenarioResult>();
Console.WriteLine($"Omnibus end-to-end benchmark: {settings}");
Console.WriteLine($"machine: {Machine.Describe()}");

if (settings.Runs(Scenario.Throughput))
{
    results.AddRange(await ThroughputScenario.RunAllAsync(settings));
}

if (settings.Runs(Scenario.Memory))
{
    results.AddRange(await MemoryScenario.RunAsync(settings));
}

if (settings.Runs(Scenario.Recovery))
{
    results.AddRange(await RecoveryScenario.RunAsync(settings));
}

Console.WriteLine();
Console.WriteLine(ScenarioResult.FormatTable(results, settings.RunCount));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC"));
return 0;
