using System.Diagnostics;
using System.Globalization;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus;
using Omnibus.Bench.Functions;
using Omnibus.Bindings;

// Invocations/s through [BrokerTrigger] on memory:// and through a bare WebJobs trigger fed from an in-memory channel,
// at concurrency 1 and 16; the core's subscription alone is measured too, to locate the cost. The pipelines run
// interleaved (bare, broker, core, then the next round in another order), so that the noise of a shared machine hits
// them alike; each figure is the median of --runs timed runs of --count messages, after three warm-up rounds.
// Usage: dotnet run -c Release --project bench/Functions [-- --count 200000 --runs 5 --concurrency 16 --only broker --memory-options retention=0 --broker embedded]
// --broker embedded runs the [BrokerTrigger] pipeline on embedded:// (a fresh temp data dir, default options) instead of memory://,
// and adds the isolated pipeline: a function of bench/IsolatedWorker that does nothing, in its own worker process, run by
// the local host (src/FunctionsHost) on embedded:// too, counted by the core's omnibus.messages.acked counter.
var count = 200_000;
var runs = 5;
string? only = null;
var query = string.Empty;
var brokerKind = "memory";
int[] concurrencies = [1, 16];
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--count": count = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--only": only = args[i + 1]; break; // bare, broker, core or isolated: one pipeline, e.g. under a profiler
        case "--concurrency": concurrencies = [int.Parse(args[i + 1], CultureInfo.InvariantCulture)]; break;
        case "--memory-options": query = "?" + args[i + 1]; break; // e.g. retention=0: memory:// keeps no messages for replay
        case "--broker": brokerKind = args[i + 1] is "memory" or "embedded" ? args[i + 1] : throw new ArgumentException($"--broker {args[i + 1]}: allowed are memory and embedded."); break;
        default: throw new ArgumentException($"Unknown argument {args[i]}: allowed are --count N, --runs N, --only bare|broker|core|isolated, --concurrency N, --memory-options QUERY and --broker memory|embedded.");
    }
}

var body = "x"u8.ToArray();
Console.WriteLine($"count={count} runs={runs} cores={Environment.ProcessorCount} runtime={Environment.Version} memory options='{query}'");
var rows = new List<Row>();
foreach (var concurrency in concurrencies)
{
    await using var pipelines = await Pipelines.StartAsync(concurrency, body, only, query, brokerKind);
    for (var round = -3; round < runs; round++)
    {
        // Rotate the order, so no pipeline always runs right after the same other one.
        var order = pipelines.All.Skip(Math.Max(round, 0) % pipelines.All.Count).Concat(pipelines.All.Take(Math.Max(round, 0) % pipelines.All.Count));
        foreach (var pipeline in order)
        {
            var gen2 = GC.CollectionCount(2);
            var gen0 = GC.CollectionCount(0);
            var (seconds, bytes) = await RunAsync(count, pipeline.FeedAsync);
            gen2 = GC.CollectionCount(2) - gen2 - 2; // RunAsync's own two full collections excluded
            gen0 = GC.CollectionCount(0) - gen0 - 2;
            if (round >= 0)
            {
                pipeline.Rates.Add(count / seconds);
                pipeline.Allocated.Add(bytes / (double)count);
                Console.WriteLine($"concurrency {concurrency}, {pipeline.Name}, run {round + 1}: {count / seconds:N0} inv/s, {bytes / (double)count:N0} B/inv, GCs gen0 {gen0} gen2 {gen2}");
            }
        }
    }

    rows.AddRange(pipelines.All.Select(p => new Row(concurrency, p.Name, Median(p.Rates), Median(p.Allocated), [.. p.Rates])));
}

Console.WriteLine();
Console.WriteLine("| concurrency | pipeline | median inv/s | runs (inv/s) | allocated/inv | ratio to bare |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var r in rows)
{
    var bare = rows.FirstOrDefault(b => b.Concurrency == r.Concurrency && b.Name == Pipelines.Bare)?.Median;
    var ratio = bare is { } b ? (r.Median / b).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
    Console.WriteLine($"| {r.Concurrency} | {r.Name} | {r.Median:N0} | {string.Join(" / ", r.Runs.Select(a => a.ToString("N0", CultureInfo.InvariantCulture)))} | {r.AllocatedPerInvocation:N0} B | {ratio} |");
}

return 0;

static async Task<(double Seconds, long Allocated)> RunAsync(int n, Func<int, Task> feed)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var target = Invocations.Count + n;
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var watch = Stopwatch.StartNew();
    await feed(n);
    while (Invocations.Count < target)
    {
        await Task.Delay(1);
    }

    watch.Stop();
    return (watch.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

internal sealed record Row(int Concurrency, string Name, double Median, double AllocatedPerInvocation, double[] Runs);

/// <summary>One measured pipeline: how to feed it n messages, and what it measured.</summary>
internal sealed class Pipeline(string name, Func<int, Task> feedAsync)
{
    public string Name => name;

    public Func<int, Task> FeedAsync => feedAsync;

    public List<double> Rates { get; } = [];

    public List<double> Allocated { get; } = [];
}

/// <summary>The pipelines of one concurrency, started side by side (idle until fed).</summary>
internal sealed class Pipelines : IAsyncDisposable
{
    public const string Bare = "bare WebJobs pipeline (channel)";
    public static string BrokerTrigger { get; private set; } = "[BrokerTrigger] on memory://";
    public const string Core = "core subscription only, no WebJobs";
    public const string Isolated = "isolated worker via the local host on embedded://";

    // The feeders keep at most Window messages ahead of the invocations, as a producer paced by its consumers (or a
    // driver's prefetch) would: the figure is the pipeline's steady state. A deep in-memory backlog measures the
    // garbage collector instead: queued messages outlive a few gen0 collections, get promoted, and trigger gen2
    // collections (12 per run of 200,000 with a 10,000-message window), which the bare queue, holding one shared
    // array, never does.
    private const int Chunk = 250;
    private const int Window = 1_000;

    private readonly List<IAsyncDisposable> _resources = [];

    public List<Pipeline> All { get; } = [];

    public static async Task<Pipelines> StartAsync(int concurrency, byte[] body, string? only, string query, string brokerKind)
    {
        var pipelines = new Pipelines();
        if (only is null or "bare")
        {
            // The baseline: channel -> TryExecuteAsync, no broker, no acknowledgement.
            var feed = new BareFeed { Concurrency = concurrency };
            var host = Build([typeof(BareFunctions)], b => b.AddExtension(new BareExtension(feed)), []);
            await host.StartAsync();
            pipelines._resources.Add(new HostResource(host));
            pipelines.All.Add(new Pipeline(Bare, async n =>
            {
                var start = Invocations.Count;
                for (var sent = 0; sent < n; sent += Chunk)
                {
                    await KeepWindowAsync(start, sent);
                    for (var i = 0; i < Math.Min(Chunk, n - sent); i++)
                    {
                        feed.Channel.Writer.TryWrite(body);
                    }
                }
            }));
        }

        if (only is null or "broker")
        {
            // Publish, subscription runner, TryExecuteAsync with binding, acknowledgement.
            var connection = brokerKind == "embedded"
                ? "embedded://" + Path.Combine(Path.GetTempPath(), "omnibus-bench-" + Guid.NewGuid().ToString("N"))
                : "memory://bench-" + Guid.NewGuid().ToString("N") + query;
            BrokerTrigger = "[BrokerTrigger] on " + brokerKind + "://";
            var topic = concurrency == 1 ? "bench1" : "bench16";
            var host = Build([concurrency == 1 ? typeof(BrokerFunctions1) : typeof(BrokerFunctions16)], b => b.AddOmnibus(), new() { ["OmnibusConnection"] = connection });
            await host.StartAsync();
            var broker = Broker.Connect(connection);
            pipelines._resources.Add(new HostResource(host));
            pipelines._resources.Add(broker);
            pipelines.All.Add(new Pipeline(BrokerTrigger, n => CpuProbe.MeasureAsync(BrokerTrigger, n, null, () => PublishAsync(broker, topic, n, body))));
        }

        if (only is null or "core")
        {
            var core = Broker.Connect("memory://" + query);
            var subscription = await core.SubscribeAsync(new SubscriptionOptions("core", "core") { Concurrency = concurrency }, (_, _) =>
            {
                Invocations.Add();
                return default;
            });
            pipelines._resources.Add(subscription);
            pipelines._resources.Add(core);
            pipelines.All.Add(new Pipeline(Core, n => PublishAsync(core, "core", n, body)));
        }

        if (brokerKind == "embedded" && only is null or "isolated")
        {
            // Publish, the local host's subscription runner, an InvocationRequest over gRPC to the worker process, the
            // worker's binding and the function, the InvocationResponse back, acknowledgement.
            var data = Path.Combine(Path.GetTempPath(), "omnibus-bench-" + Guid.NewGuid().ToString("N"));
            var app = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "IsolatedWorker", "bin", BuildConfiguration, "net10.0");
            var topic = concurrency == 1 ? "isolated1" : "isolated16";
            var acks = new AckCounter(topic);
            var host = await Omnibus.FunctionsHost.IsolatedHost.StartAsync(app, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, "embedded://" + data);
            pipelines._resources.Add(host);
            pipelines._resources.Add(acks);
            pipelines.All.Add(new Pipeline(Isolated, n => CpuProbe.MeasureAsync(Isolated, n, host.WorkerProcessId, () => PublishAsync(host.Broker, topic, n, body))));
        }

        return pipelines;
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in _resources)
        {
            await resource.DisposeAsync();
        }
    }

    private static async Task PublishAsync(IBroker broker, string topic, int n, byte[] body)
    {
        var start = Invocations.Count;
        for (var sent = 0; sent < n; sent += Chunk)
        {
            await KeepWindowAsync(start, sent);
            var batch = new Message[Math.Min(Chunk, n - sent)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = new Message(body);
            }

            await broker.PublishBatchAsync(topic, batch);
        }
    }

    private static async Task KeepWindowAsync(long start, int sent)
    {
        while (true)
        {
            var progress = Invocations.Progress;
            if (sent - (Invocations.Count - start) <= Window)
            {
                return;
            }

            await Task.WhenAny(progress, Task.Delay(1)); // the delay covers a run's last few invocations
        }
    }

    private static IHost Build(Type[] functions, Action<IWebJobsBuilder> configure, Dictionary<string, string?> settings) =>
        new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings))
            .ConfigureWebJobs(configure)
            .ConfigureLogging(l => l.ClearProviders().SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(s => s.AddSingleton<ITypeLocator>(new FixedTypeLocator(functions)))
            .Build();

    private sealed class HostResource(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private sealed class FixedTypeLocator(Type[] types) : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => types;
    }
}
