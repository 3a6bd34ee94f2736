using System.Globalization;
using System.Text;
using Omnibus.Bench;

namespace Omnibus.Bench.Drivers;

/// <summary>Every run of one case, both sides; the table shows medians and the Omnibus/raw ratio.</summary>
internal sealed record CaseResult(string Broker, string Case, string Settings, List<Sample> Raw, List<Sample> Omnibus)
{
    public const double Goal = 0.9;

    public double RawMedian => Median(Raw.Select(s => s.MessagesPerSecond));

    public double OmnibusMedian => Median(Omnibus.Select(s => s.MessagesPerSecond));

    /// <summary>Median Omnibus msg/s over median raw msg/s.</summary>
    public double Ratio => OmnibusMedian / RawMedian;

    /// <summary>The median of the per-run ratios (each run's Omnibus result over the raw result measured just before it).</summary>
    public double PairedRatio => Median(Raw.Zip(Omnibus, (r, o) => o.MessagesPerSecond / r.MessagesPerSecond));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string FormatTable(IReadOnlyList<CaseResult> results)
    {
        var header = new[] { "broker", "case", "raw msg/s", "Omnibus msg/s", "Omnibus / raw", "per-run ratios (median)", "goal >= 0.9x", "CPU us/msg raw / Omnibus", "alloc B/msg raw / Omnibus" };
        var rows = results.Select(r => new[]
        {
            r.Broker,
            r.Case,
            Number(r.RawMedian),
            Number(r.OmnibusMedian),
            Invariant($"{r.Ratio:0.00}x"),
            string.Join(", ", r.Raw.Zip(r.Omnibus, (a, b) => Invariant($"{b.MessagesPerSecond / a.MessagesPerSecond:0.00}"))) + Invariant($" ({r.PairedRatio:0.00})"),
            r.Ratio >= Goal ? "met" : "NOT met",
            Invariant($"{Median(r.Raw.Select(s => s.CpuMicrosPerMessage)):0.0} / {Median(r.Omnibus.Select(s => s.CpuMicrosPerMessage)):0.0}"),
            Invariant($"{Median(r.Raw.Select(s => s.AllocatedBytesPerMessage)):#,0} / {Median(r.Omnibus.Select(s => s.AllocatedBytesPerMessage)):#,0}"),
        }).ToList();
        var alignRight = new[] { false, false, true, true, true, false, false, true, true };
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => alignRight[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))) + " |");
        Line(header);
        text.AppendLine("|" + string.Join("|", widths.Select((w, i) => alignRight[i] ? new string('-', w + 1) + ":" : new string('-', w + 2))) + "|");
        rows.ForEach(Line);
        return text.ToString();
    }

    /// <summary>Records one run's sample and prints it.</summary>
    public static void Report(int run, CaseResult result, string side, Sample sample, List<Sample> into)
    {
        into.Add(sample);
        Console.WriteLine(Invariant($"{result.Broker.ToLowerInvariant()} {result.Case}, run {run}, {side}: {sample.MessagesPerSecond:#,0} msg/s ({sample.Seconds:0.00} s, {sample.CpuMicrosPerMessage:0.0} us CPU/msg, {sample.AllocatedBytesPerMessage:#,0} B allocated/msg, load {Machine.LoadAverage()})"));
    }

    public static string Number(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
