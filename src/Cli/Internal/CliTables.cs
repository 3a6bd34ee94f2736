using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Omnibus.Cli.Internal;

/// <summary>Tables on standard output (cells are plain text, never markup), and the JSON alternative for scripts.</summary>
internal static class CliTables
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A table of <paramref name="columns"/> with one row per entry of <paramref name="rows"/>.</summary>
    public static void Write(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)).ToArray());
        }

        AnsiConsole.Write(table);
    }

    /// <summary><paramref name="value"/> as indented JSON on standard output.</summary>
    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A count for a table cell, with thousands separators.</summary>
    public static string Number(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
