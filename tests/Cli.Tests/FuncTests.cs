using System.Text.Json;

namespace Omnibus.Cli.Tests;

/// <summary>
/// <c>omnibus func start</c> runs samples/FunctionApp.Isolated (its real worker process, built with the solution) against
/// an <c>omnibus server</c> that the test starts, so that <c>pub</c> and <c>sub</c>, other processes, reach the same broker.
/// </summary>
public sealed class FuncTests : TempDirectoryTests
{
    private static readonly string Sample = Path.Combine(CliProcess.RepositoryRoot, "samples", "FunctionApp.Isolated");

    [Fact]
    public async Task FuncStart_IsolatedSample_ValidOrderIsShippedThroughBothFunctions()
    {
        await using var server = CliProcess.Start("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "off");
        var ready = await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        var connect = System.Text.RegularExpressions.Regex.Match(ready, @"omnibus://127\.0\.0\.1:\d+").Value;

        await using var func = CliProcess.Start("func", "start", Sample, "--connect", connect);
        var started = await func.WaitForLineAsync(l => l.StartsWith("omnibus func:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        Assert.Contains("ValidateOrder", started, StringComparison.Ordinal);
        Assert.Contains("ShipBatch", started, StringComparison.Ordinal);

        (await CliProcess.RunAsync("pub", "orders", """{"OrderId":"o-1","CustomerId":"c-9","Amount":12.5,"Items":["a","b"]}""", "--connect", connect)).Expect(0);
        var sub = (await CliProcess.RunAsync("sub", "shipped", "--create", "--from", "earliest", "--count", "1", "--format", "json", "--timeout", "90s", "--connect", connect)).Expect(0);

        var shipped = JsonDocument.Parse(Assert.Single(sub.Lines)).RootElement;
        Assert.Equal("shipped o-1", shipped.GetProperty("body").GetString());
        Assert.Equal("o-1", shipped.GetProperty("key").GetString());
        Assert.Equal("c-9", shipped.GetProperty("headers").GetProperty("customer").GetString());
    }

    [Fact]
    public async Task FuncStart_FolderWithoutMetadata_ExitsTwoNamingIt()
    {
        var result = (await CliProcess.RunAsync("func", "start", Dir.Path)).Expect(2);

        Assert.Contains($"'{Dir.Path}' holds no functions.metadata", result.Stderr, StringComparison.Ordinal);
    }
}
