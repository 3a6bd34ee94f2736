using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;

namespace Omnibus.Cli.Tests;

/// <summary>
/// Every <c>[LoggerMessage]</c> of every src assembly, found by reflection, against docs/log-events.md: the one table
/// of id ranges and events. The ranges live only in that file; these tests read them from it.
/// </summary>
public sealed partial class LogEventTests
{
    private static readonly string Root = CliProcess.RepositoryRoot;
    private static readonly string Doc = File.ReadAllText(Path.Combine(Root, "docs", "log-events.md"));

    [Fact]
    public void Events_AcrossAllAssemblies_HaveUniqueIds()
    {
        var duplicates = CodeEvents().GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => $"{e.Assembly} {e.Name}"))}").ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void Src_LogsOnlyThroughLoggerMessage_NeverWithoutAnEventId()
    {
        var direct = DirectLogCall();
        var calls = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(l => direct.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(Root, l.f)}:{l.i + 1}: {l.line.Trim()}").ToList();

        Assert.Empty(calls);
    }

    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\(")]
    private static partial Regex DirectLogCall();

    [Fact]
    public void Events_EachId_InItsAssemblysRange()
    {
        var ranges = Ranges();
        var outside = CodeEvents()
            .Where(e => !ranges.TryGetValue(e.Assembly, out var range) || e.Id < range.First || e.Id > range.Last)
            .Select(e => $"{e.Id} {e.Assembly} {e.Name}").ToList();

        Assert.Empty(outside);
    }

    [Fact]
    public void Doc_EventList_IsExactlyTheCodesEvents()
    {
        var documented = Section("Events").Select(cells => $"| {string.Join(" | ", cells)} |").ToList();
        var code = CodeEvents().Select(e => e.ToString()).ToList();

        // Rows, not a sequence diff: the message then names each row to add or delete.
        var missing = code.Except(documented).ToList();
        var stale = documented.Except(code).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0, $"docs/log-events.md lacks:\n{string.Join('\n', missing)}\nand lists what the code does not have:\n{string.Join('\n', stale)}");
        Assert.Equal(code.Count, documented.Count);
    }

    [Fact]
    public void Doc_Ranges_CoverEverySrcAssemblyWithoutOverlap()
    {
        var ranges = Ranges();
        var withoutRange = SrcAssemblyNames().Where(name => !ranges.ContainsKey(name)).ToList();
        Assert.Empty(withoutRange);

        var ordered = ranges.OrderBy(r => r.Value.First).ToList();
        var overlaps = ordered.Zip(ordered.Skip(1)).Where(p => p.Second.Value.First <= p.First.Value.Last)
            .Select(p => $"{p.First.Key} {p.First.Value} and {p.Second.Key} {p.Second.Value}").ToList();
        Assert.Empty(overlaps);
        Assert.All(ordered, r => Assert.True(r.Value.First <= r.Value.Last, $"{r.Key}: {r.Value}"));
    }

    [Fact]
    public void SrcAssemblies_AllLoadable_SoNoEventHides()
    {
        // An assembly this project does not reference would fail here rather than drop out of the checks above.
        Assert.All(SrcAssemblyNames(), name => Assert.Equal(name, Assembly.Load(name).GetName().Name));
    }

    /// <summary>Every event in the code, ordered by id.</summary>
    private static List<LogEvent> CodeEvents() =>
        SrcAssemblyNames().Select(Assembly.Load)
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => new LogEvent(m.Attribute!.EventId, m.Attribute.Level.ToString(), m.Method.DeclaringType!.Assembly.GetName().Name!, $"{m.Method.DeclaringType.Name}.{m.Method.Name}"))
            .OrderBy(e => e.Id).ToList();

    /// <summary>The assembly names of the projects under src/, read from their project files.</summary>
    private static List<string> SrcAssemblyNames() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal))
            .Select(p => XDocument.Load(p).Descendants("AssemblyName").Select(e => e.Value).SingleOrDefault() ?? Path.GetFileNameWithoutExtension(p))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The ranges table: assembly → ids.</summary>
    private static Dictionary<string, (int First, int Last)> Ranges() =>
        Section("Ranges").Select(cells => (Assembly: cells[0], Match: RangePattern().Match(cells[2])))
            .ToDictionary(
                r => r.Assembly,
                r => r.Match.Success
                    ? (int.Parse(r.Match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(r.Match.Groups[2].Value, CultureInfo.InvariantCulture))
                    : throw new FormatException($"docs/log-events.md: the range of {r.Assembly} is not 'first-last'."));

    /// <summary>The body rows of the one table under the heading <c>## <paramref name="heading"/></c>, as trimmed cells.</summary>
    private static List<string[]> Section(string heading)
    {
        var lines = Doc.Split('\n').Select(l => l.Trim()).SkipWhile(l => l != "## " + heading).Skip(1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        var rows = lines.Where(l => l.StartsWith('|')).Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();
        Assert.True(rows.Count > 2, $"docs/log-events.md has no table under '## {heading}'.");

        // The first row is the header and the second the |---| line.
        return rows.Skip(2).ToList();
    }

    [GeneratedRegex(@"^(\d+)-(\d+)$")]
    private static partial Regex RangePattern();

    private sealed record LogEvent(int Id, string Level, string Assembly, string Name)
    {
        public override string ToString() => $"| {Id} | {Level} | {Assembly} | {Name} |";
    }
}
