using System.Text.RegularExpressions;

namespace Omnibus.Cli.Tests;

/// <summary>A retained message published through an omnibus server outlives the server being killed.</summary>
public sealed partial class RetainedTests : TempDirectoryTests
{
    [Fact]
    public async Task RetainedPublish_ThroughAServerThatIsThenKilled_IsDeliveredFirstToANewGroupAfterwards()
    {
        var data = Path.Combine(Dir.Path, "server");
        await using (var server = CliProcess.Start("server", "--data", data, "--tcp", "127.0.0.1:0", "--http", "off"))
        {
            var ready = await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
            var connect = OmnibusAddress().Match(ready).Value;
            (await CliProcess.RunAsync("pub", "status", "current", "--header", "omnibus-retain=true", "--connect", connect)).Expect(0);
            (await CliProcess.RunAsync("pub", "status", "not retained", "--connect", connect)).Expect(0);

            await server.KillAsync(CliProcess.DefaultTimeout);
        }

        // A new group starting from the latest message still gets the retained one first, from the data the kill left.
        var sub = (await CliProcess.RunAsync("sub", "status", "--group", "late", "--count", "1", "--connect", "embedded://" + data)).Expect(0);

        Assert.Equal("current", sub.Stdout.Trim());
    }

    [GeneratedRegex(@"omnibus://\S+?(?=[ ;])")]
    private static partial Regex OmnibusAddress();
}
