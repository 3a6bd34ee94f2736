using System.Globalization;
using Omnibus.Bench.Server;

// The omnibus server against nats-server, the anchor for a small broker server (docs/benchmarks.md, "Server"):
//   dotnet run -c Release --project bench/Server -- [--messages N] [--js-messages N] [--size B] [--runs R] [--window W]
// Scenarios run interleaved, one of each per run: nats core, nats JetStream (file, acks), omnibus QoS0, omnibus QoS1.
// Everything is 1 publisher and 1 consumer on 127.0.0.1 with `size`-byte messages (default 100). The omnibus side is the
// shipped tool: `omnibus server --qos Q` and `omnibus bench --connect omnibus://...` as two child processes.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "", StringComparer.Ordinal);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var known = new[] { "messages", "js-messages", "size", "runs", "window" };
if (options.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
{
    Console.Error.WriteLine($"Unknown option --{unknown}; allowed: {string.Join(", ", known.Select(k => "--" + k))}.");
    return 2;
}

var messages = Option("messages", 1_000_000);
var jsMessages = Option("js-messages", 200_000);
var size = Option("size", 100);
var runs = Option("runs", 3);
var window = Option("window", 1000);
Console.WriteLine($"server benchmark: {messages:N0} messages (JetStream and QoS1: {jsMessages:N0}), {size} B, window {window}, {runs} runs");

var results = new List<LoadResult>();
using var nats = await NatsServer.StartAsync();
for (var run = 1; run <= runs; run++)
{
    foreach (var scenario in Scenarios())
    {
        var result = await scenario();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: {result.Scenario}: publish {result.PublishPerSecond:N0}/s, end-to-end {result.EndToEndPerSecond:N0}/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms"));
        results.Add(result);
    }
}

Console.WriteLine();
Console.WriteLine(LoadResult.Format(results));
Console.WriteLine(LoadResult.Ratios(results));
return 0;

IEnumerable<Func<Task<LoadResult>>> Scenarios()
{
    yield return () => NatsScenarios.CoreAsync(nats, messages, size);
    yield return () => NatsScenarios.JetStreamAsync(nats, jsMessages, size, window);
    yield return () => OmnibusScenarios.RunAsync(0, messages, size);
    yield return () => OmnibusScenarios.RunAsync(1, jsMessages, size);
}
