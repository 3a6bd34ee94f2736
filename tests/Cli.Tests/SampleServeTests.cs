using System.Text.Json;
using System.Text.RegularExpressions;

namespace Omnibus.Cli.Tests;

/// <summary>The sample function app lends its in-process broker (<c>--serve</c>), and the tool feeds its functions.</summary>
public sealed partial class SampleServeTests : TempDirectoryTests
{
    [Fact]
    public async Task Sample_WithServe_IsFedByOmnibusPub_AndInspectedByOmnibusGroups()
    {
        await using var app = CliProcess.StartDll(SampleDll(), Dir.Path, "--serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0");
        var serving = await app.WaitForLineAsync(l => l.Contains("Serving the app's broker", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        var connect = OmnibusAddress().Match(serving).Value;
        Assert.StartsWith("omnibus://127.0.0.1:", connect, StringComparison.Ordinal);

        var shipped = app.WaitForLineAsync(l => l.Contains("Shipping a batch", StringComparison.Ordinal) && l.Contains("cli-1", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        (await CliProcess.RunAsync("pub", "orders", """{"orderId":"cli-1","customerId":"c-9","amount":12.5,"items":["book"]}""", "--connect", connect)).Expect(0);
        await shipped;

        // Handled and acknowledged by the app's function: its group on 'orders' has nothing left.
        var deadline = DateTime.UtcNow + CliProcess.DefaultTimeout;
        long lag;
        do
        {
            var groups = JsonDocument.Parse((await CliProcess.RunAsync("groups", "--topic", "orders", "--json", "--connect", connect)).Expect(0).Stdout).RootElement;
            lag = groups.EnumerateArray().Single(g => g.GetProperty("group").GetString() == "ValidateOrder").GetProperty("lag").GetInt64();
        }
        while (lag != 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, lag);
        app.Terminate();
        Assert.Equal(0, await app.WaitForExitAsync(CliProcess.DefaultTimeout));
    }

    [Fact]
    public async Task Sample_ServeBeyondLoopbackWithoutToken_RefusesToStartSayingHowToAllowIt()
    {
        await using var app = CliProcess.StartDll(SampleDll(), Dir.Path, "--serve", "--tcp", "0.0.0.0:0", "--http", "127.0.0.1:0");

        Assert.Equal(2, await app.WaitForExitAsync(CliProcess.DefaultTimeout));
        Assert.Contains("'0.0.0.0:0', which is not a loopback address, and no token is set", app.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-anonymous", app.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Function app running", app.Stdout, StringComparison.Ordinal);
    }

    private static string SampleDll()
    {
        // tools: src/Cli/bin/<configuration>/<tfm>/ -> samples/FunctionApp/bin/<configuration>/<tfm>/
        var tool = new DirectoryInfo(CliProcess.ToolDirectory);
        var root = tool.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "samples", "FunctionApp", "bin", tool.Parent.Name, tool.Name, "Omnibus.Samples.FunctionApp.dll");
    }

    [GeneratedRegex(@"omnibus://[0-9.]+:[0-9]+")]
    private static partial Regex OmnibusAddress();
}
