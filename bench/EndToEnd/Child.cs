using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

/// <summary>The child side of <see cref="ChildProcess"/>: runs one verb and reports on stdout.</summary>
internal static class Child
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["child-memory", var directory, var backlog, var window]:
                await MemoryScenario.ChildAsync(directory, Int(backlog), Int(window));
                return 0;
            case ["child-build", var directory, var mib, var window]:
                await RecoveryScenario.BuildChildAsync(directory, Int(mib), Int(window));
                return 0;
            case ["child-open", var directory]:
                await RecoveryScenario.OpenChildAsync(directory);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown child verb: {string.Join(' ', args)}");
                return 2;
        }
    }

    public static void Report(string name, double value) => Say(string.Create(CultureInfo.InvariantCulture, $"RESULT {name} {value:0.###}"));

    public static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    private static int Int(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}
