using System.Globalization;
using System.Text;

namespace Omnibus.Bench.EndToEnd;

/// <summary>What a goal asks for: at least or at most <see cref="Value"/>.</summary>
internal sealed record Goal(double Value, bool AtLeast)
{
    public static Goal Min(double value) => new(value, AtLeast: true);

    public static Goal Max(double value) => new(value, AtLeast: false);

    public bool IsMet(double measured) => AtLeast ? measured >= Value : measured <= Value;

    /// <summary>Measured over goal for "at least", goal over measured for "at most": above 1 is met either way.</summary>
    public double Ratio(double measured) => AtLeast ? measured / Value : Value / measured;

    public override string ToString() => (AtLeast ? ">= " : "<= ") + Format.Number(Value);
}

/// <summary>One measured quantity of one scenario, over every run; the summary shows the median.</summary>
internal sealed record ScenarioResult(string Name, string Unit, IReadOnlyList<double> Values, Goal? Goal = null, string Note = "")
{
    public double Median
    {
        get
        {
            var sorted = Values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public static string FormatTable(IReadOnlyList<ScenarioResult> results, int runs)
    {
        var header = new[] { "scenario", "median", "min", "max", "unit", "goal", "ratio to goal", "note" };
        var rows = results.Select(r => new[]
        {
            r.Name,
            Format.Number(r.Median),
            Format.Number(r.Values.Min()),
            Format.Number(r.Values.Max()),
            r.Unit,
            r.Goal?.ToString() ?? "",
            r.Goal is { } g ? string.Create(CultureInfo.InvariantCulture, $"{g.Ratio(r.Median):0.00} ({(g.IsMet(r.Median) ? "met" : "NOT met")})") : "",
            r.Note,
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Summary (median of up to {runs} runs per row)");
        void Line(string[] cells) => text.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |");
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        rows.ForEach(Line);
        return text.ToString();
    }
}

internal static class Format
{
    public static string Number(double value) => Math.Abs(value) switch
    {
        >= 100 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
