using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Bench.Server;

/// <summary>One run of one scenario: publish and end-to-end rates, and end-to-end latency percentiles.</summary>
internal sealed record LoadResult(string Scenario, double PublishPerSecond, double EndToEndPerSecond, double P50Ms, double P99Ms)
{
    /// <summary>The ratios the goals are about, from medians: omnibus QoS0 / nats core and omnibus QoS1 / JetStream.</summary>
    public static string Ratios(IReadOnlyList<LoadResult> runs)
    {
        double? E2e(string prefix) => runs.Any(r => r.Scenario.StartsWith(prefix, StringComparison.Ordinal))
            ? Median(runs.Where(r => r.Scenario.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.EndToEndPerSecond)) : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"ratios (end-to-end medians): omnibus QoS0 / nats core = {E2e("omnibus QoS0") / E2e("nats core"):F2}x (goal >= 0.5x); omnibus QoS1 / nats JetStream = {E2e("omnibus QoS1") / E2e("nats JetStream"):F2}x (goal >= 1x)");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Format(IReadOnlyList<LoadResult> runs)
    {
        var lines = new List<string>
        {
            "| scenario | runs | publish msg/s (median) | end-to-end msg/s (median) | p50 latency ms | p99 latency ms |",
            "|---|---|---|---|---|---|",
        };
        foreach (var group in runs.GroupBy(r => r.Scenario))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {group.Count()} | {Median(group.Select(r => r.PublishPerSecond)):N0} | {Median(group.Select(r => r.EndToEndPerSecond)):N0} | {Median(group.Select(r => r.P50Ms)):F2} | {Median(group.Select(r => r.P99Ms)):F2} |"));
        }

        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// The payload of every scenario: <c>size</c> bytes whose first 8 carry the send time (Stopwatch ticks), so the
/// receiver measures end-to-end latency; counts arrivals and completes when all are in.
/// </summary>
internal sealed class Arrivals(int expected)
{
    private readonly long[] _latencies = new long[expected];
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Task All => _all.Task;

    public long LastArrival { get; private set; }

    public static byte[] Payload(int size)
    {
        var payload = new byte[Math.Max(size, 8)];
        payload.AsSpan(8).Fill((byte)'x');
        return payload;
    }

    public static void Stamp(Span<byte> payload) => BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());

    public void Arrived(ReadOnlySpan<byte> payload)
    {
        var now = Stopwatch.GetTimestamp();
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _latencies.Length)
        {
            _latencies[index] = now - BinaryPrimitives.ReadInt64LittleEndian(payload);
        }

        if (index == _latencies.Length - 1)
        {
            LastArrival = now;
            _all.TrySetResult();
        }
    }

    public (double P50, double P99) Percentiles()
    {
        var sorted = _latencies.AsSpan(0, Math.Min(Count, _latencies.Length)).ToArray();
        Array.Sort(sorted);
        double Ms(double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)] * 1000.0 / Stopwatch.Frequency;
        return (Ms(0.50), Ms(0.99));
    }
}
