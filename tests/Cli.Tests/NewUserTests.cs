using System.Text.Json;
using System.Text.RegularExpressions;

namespace Omnibus.Cli.Tests;

/// <summary>What a new user meets when trying the README's commands: no server yet, a misspelt topic, an exposed server.</summary>
public sealed partial class NewUserTests : TempDirectoryTests
{
    [Theory]
    [InlineData("topics")]
    [InlineData("groups")]
    [InlineData("peek", "orders")]
    [InlineData("sub", "orders", "--timeout", "30s")]
    [InlineData("dlq", "replay", "orders")]
    [InlineData("pub", "orders", "x", "--timeout", "30s")]
    public async Task Command_NoServerRunning_NamesTheAddressAndSaysToStartOmnibusServer(params string[] command)
    {
        var address = $"omnibus://127.0.0.1:{ErrorTests.ClosedPort()}";

        var result = (await CliProcess.RunAsync([.. command, "--connect", address])).Expect(1);

        Assert.Contains($"could not be reached at {address}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Start one with 'omnibus server'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--connect", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sub_MisspeltTopic_ExitsTwoSuggestingTheTopic_AndCreatesNeitherTopicNorGroup()
    {
        (await CliProcess.RunAsync("pub", "orders", "o-1", "--connect", Dir.Embedded)).Expect(0);

        var sub = (await CliProcess.RunAsync("sub", "ordrs", "--count", "1", "--connect", Dir.Embedded)).Expect(2);

        Assert.Contains("topic 'ordrs' does not exist", sub.Stderr, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'orders'?", sub.Stderr, StringComparison.Ordinal);
        Assert.Contains("--create", sub.Stderr, StringComparison.Ordinal);
        var topics = JsonDocument.Parse((await CliProcess.RunAsync("topics", "--json", "--connect", Dir.Embedded)).Expect(0).Stdout).RootElement;
        Assert.Equal(["orders"], topics.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var groups = JsonDocument.Parse((await CliProcess.RunAsync("groups", "--json", "--connect", Dir.Embedded)).Expect(0).Stdout).RootElement;
        Assert.Equal(0, groups.GetArrayLength());
    }

    [Fact]
    public async Task Sub_NewTopicWithCreate_WaitsForItsFirstMessage()
    {
        // A server, so that the waiting sub and the pub share one engine.
        await using var server = CliProcess.Start("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "off");
        var ready = await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        var connect = OmnibusAddress().Match(ready).Value;
        await using var sub = CliProcess.Start("sub", "fresh", "--create", "--count", "1", "--connect", connect);
        await WaitForGroupAsync(connect, "fresh");

        (await CliProcess.RunAsync("pub", "fresh", "first", "--connect", connect)).Expect(0);

        Assert.Equal(0, await sub.WaitForExitAsync(CliProcess.DefaultTimeout));
        Assert.Equal("first", sub.Stdout.Trim());
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(CliProcess.DefaultTimeout));
    }

    [Fact]
    public async Task Pub_KafkaUnreachable_ExitsSoonAfterItsTimeout()
    {
        // The kafka:// driver's close flushes for up to 10 s more; a pub that has already failed does not wait for it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = (await CliProcess.RunAsync("pub", "orders", "x", "--timeout", "2s", "--connect", $"kafka://127.0.0.1:{ErrorTests.ClosedPort()}")).Expect(1);

        Assert.Contains("within 2 s (--timeout)", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"pub took {clock.Elapsed.TotalSeconds:0.0} s to fail with --timeout 2s");
    }

    [Theory]
    [InlineData("--tcp", "0.0.0.0:0", "--http", "off")]
    [InlineData("--tcp", "off", "--http", "0.0.0.0:0")]
    public async Task Server_BeyondLoopbackWithoutToken_RefusesToStartSayingHowToAllowIt(params string[] listen)
    {
        var result = (await CliProcess.RunAsync(["server", "--data", Dir.Path, .. listen])).Expect(2);

        Assert.Contains("'0.0.0.0:0', which is not a loopback address, and no token is set", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--token name:secret", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-anonymous", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("omnibus server: serving", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Polls <c>groups</c> until the broker holds a group of <paramref name="topic"/> with a member (the sub has subscribed).</summary>
    private static async Task WaitForGroupAsync(string connect, string topic)
    {
        var deadline = DateTime.UtcNow + CliProcess.DefaultTimeout;
        while (true)
        {
            var groups = await CliProcess.RunAsync("groups", "--topic", topic, "--json", "--connect", connect);
            if (groups.ExitCode == 0 && JsonDocument.Parse(groups.Stdout).RootElement.EnumerateArray().Any(g => g.GetProperty("members").GetInt32() > 0))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no group on '{topic}' by the deadline: {groups.Stderr}");
        }
    }

    [GeneratedRegex(@"omnibus://\S+?(?=[ ;])")]
    private static partial Regex OmnibusAddress();
}
