using System.Text.Json;

namespace Omnibus.Cli.Tests;

/// <summary><c>omnibus bench</c>, as a script would run it.</summary>
public sealed class BenchTests : TempDirectoryTests
{
    [Fact]
    public async Task Bench_JsonOnEmbedded_ReceivesEveryMessageWithSaneNumbers()
    {
        var result = (await CliProcess.RunAsync("bench", "--messages", "3000", "--publishers", "2", "--consumers", "2", "--json", "--connect", Dir.Embedded)).Expect(0);

        var summary = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(3000, summary.GetProperty("messages").GetInt32());
        Assert.Equal(3000, summary.GetProperty("published").GetInt64());
        Assert.Equal(3000, summary.GetProperty("received").GetInt64());
        Assert.Equal(0, summary.GetProperty("errors").GetInt64());
        Assert.Equal(0, summary.GetProperty("missing").GetInt64());
        Assert.True(summary.GetProperty("publishPerSecond").GetDouble() > 0);
        Assert.True(summary.GetProperty("endToEndPerSecond").GetDouble() > 0);
        var p50 = summary.GetProperty("p50Ms").GetDouble();
        var p99 = summary.GetProperty("p99Ms").GetDouble();
        Assert.InRange(p50, 0, p99);
        Assert.InRange(p99, p50, summary.GetProperty("maxMs").GetDouble());
    }

    [Fact]
    public async Task Bench_WithoutConnect_UsesATemporaryEmbeddedBrokerAndPrintsATable()
    {
        var result = (await CliProcess.RunAsync("bench", "--messages", "500", "--qos", "2")).Expect(0);

        Assert.Contains("embedded://", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("qos=2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("end to end", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("p50", result.Stdout, StringComparison.Ordinal);
    }
}
