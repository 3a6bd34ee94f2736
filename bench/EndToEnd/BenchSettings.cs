using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

internal enum Scenario
{
    Throughput,
    Memory,
    Recovery,
}

/// <summary>The command line, parsed once. Unknown arguments are an error that lists the accepted ones.</summary>
internal sealed record BenchSettings
{
    private const string Usage =
        "usage: [throughput] [memory] [recovery] [--messages N] [--runs R] [--window W] [--backlog N] [--log-mib M] [--dir D] [--only NAME] [--extra k=v&k=v]";

    public IReadOnlySet<Scenario> Scenarios { get; init; } = new HashSet<Scenario> { Scenario.Throughput, Scenario.Memory, Scenario.Recovery };

    /// <summary>Messages per throughput run.</summary>
    public int Messages { get; init; } = 1_000_000;

    /// <summary>Repetitions of each measured case; the table shows their median.</summary>
    public int RunCount { get; init; } = 3;

    /// <summary>Outstanding <c>PublishAsync</c> calls per publisher.</summary>
    public int Window { get; init; } = 1000;

    /// <summary>Messages left unconsumed in the memory scenario.</summary>
    public int Backlog { get; init; } = 1_000_000;

    /// <summary>Size of the log the recovery scenario builds, MiB.</summary>
    public int LogMib { get; init; } = 1024;

    /// <summary>Parent of the fresh data directories.</summary>
    public string Directory { get; init; } = Path.GetTempPath();

    /// <summary>Runs only the throughput cases whose name contains this (experiments).</summary>
    public string? Only { get; init; }

    /// <summary>Extra connection-string options for the throughput cases (experiments), e.g. <c>partitions=4</c>.</summary>
    public string? Extra { get; init; }

    public bool Runs(Scenario scenario) => Scenarios.Contains(scenario);

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings();
        var scenarios = new HashSet<Scenario>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "throughput": scenarios.Add(Scenario.Throughput); break;
                case "memory": scenarios.Add(Scenario.Memory); break;
                case "recovery": scenarios.Add(Scenario.Recovery); break;
                case "--messages": settings = settings with { Messages = Number() }; break;
                case "--runs": settings = settings with { RunCount = Math.Max(1, Number()) }; break;
                case "--window": settings = settings with { Window = Math.Max(1, Number()) }; break;
                case "--backlog": settings = settings with { Backlog = Number() }; break;
                case "--log-mib": settings = settings with { LogMib = Number() }; break;
                case "--dir": settings = settings with { Directory = Value() }; break;
                case "--only": settings = settings with { Only = Value() }; break;
                case "--extra": settings = settings with { Extra = Value() }; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. {Usage}");
            }
        }

        return scenarios.Count == 0 ? settings : settings with { Scenarios = scenarios };
    }

    /// <summary>A new, empty data directory under <see cref="Directory"/>.</summary>
    public string NewDataDirectory(string name)
    {
        var path = Path.Combine(Directory, $"omnibus-e2e-{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"scenarios={string.Join(',', Scenarios)} messages={Messages} runs={RunCount} window={Window} backlog={Backlog} log-mib={LogMib} dir={Directory}{(Only is null ? "" : " only=" + Only)}{(Extra is null ? "" : " extra=" + Extra)}");
}
