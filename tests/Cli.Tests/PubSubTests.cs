using System.Globalization;
using System.Text.Json;

namespace Omnibus.Cli.Tests;

/// <summary><c>pub</c> and <c>sub</c> against an embedded broker, each command a separate process.</summary>
public sealed class PubSubTests : TempDirectoryTests
{
    [Fact]
    public async Task Pub_BodyArgumentWithKeyAndHeaders_SubJsonReturnsThemInOrder()
    {
        var first = (await CliProcess.RunAsync("pub", "orders", "first", "--key", "customer-42", "--header", "tenant=acme", "-H", "trace=a=b", "--connect", Dir.Embedded)).Expect(0);
        var second = (await CliProcess.RunAsync("pub", "orders", "second", "--content-type", "text/plain", "--connect", Dir.Embedded)).Expect(0);

        var sub = (await CliProcess.RunAsync("sub", "orders", "--from", "earliest", "--count", "2", "--format", "json", "--connect", Dir.Embedded)).Expect(0);

        var messages = sub.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(first.Stdout.Trim(), messages[0].GetProperty("id").GetString());
        Assert.Equal("first", messages[0].GetProperty("body").GetString());
        Assert.Equal("customer-42", messages[0].GetProperty("key").GetString());
        Assert.Equal("acme", messages[0].GetProperty("headers").GetProperty("tenant").GetString());
        Assert.Equal("a=b", messages[0].GetProperty("headers").GetProperty("trace").GetString());
        Assert.Equal(1, messages[0].GetProperty("attempt").GetInt32());
        Assert.Equal(second.Stdout.Trim(), messages[1].GetProperty("id").GetString());
        Assert.Equal("second", messages[1].GetProperty("body").GetString());
        Assert.Equal("text/plain", messages[1].GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task Pub_StdinLines_PublishesEachLineInOrder()
    {
        var input = string.Join('\n', Enumerable.Range(1, 1000).Select(i => "line " + i.ToString(CultureInfo.InvariantCulture))) + "\n";

        var pub = (await CliProcess.RunWithInputAsync(input, "pub", "lines", "--lines", "--key", "k", "--connect", Dir.Embedded)).Expect(0);
        var sub = (await CliProcess.RunAsync("sub", "lines", "--from", "earliest", "--count", "1000", "--connect", Dir.Embedded)).Expect(0);

        Assert.StartsWith("published 1000 messages to lines", pub.Stdout, StringComparison.Ordinal);
        Assert.Contains("msg/s", pub.Stdout, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => "line " + i.ToString(CultureInfo.InvariantCulture)), sub.Lines);
    }

    [Fact]
    public async Task Pub_StdinWithoutLines_PublishesOneMessageWithTheWholeInput()
    {
        (await CliProcess.RunWithInputAsync("hello\nworld\n", "pub", "raw", "--connect", Dir.Embedded)).Expect(0);

        var sub = (await CliProcess.RunAsync("sub", "raw", "--from", "earliest", "--count", "1", "--format", "json", "--connect", Dir.Embedded)).Expect(0);

        Assert.Equal("hello\nworld\n", JsonDocument.Parse(sub.Lines.Single()).RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Pub_FileBody_IsPublishedAsIs()
    {
        var file = Path.Combine(Dir.Path, "body.json");
        await File.WriteAllTextAsync(file, "{\"order\":17}");
        (await CliProcess.RunAsync("pub", "files", "--file", file, "--content-type", "application/json", "--connect", Dir.Embedded)).Expect(0);

        var sub = (await CliProcess.RunAsync("sub", "files", "--from", "earliest", "--count", "1", "--connect", Dir.Embedded)).Expect(0);

        Assert.Equal("{\"order\":17}", sub.Lines.Single());
    }

    [Fact]
    public async Task Sub_GroupContinuesWhereItStopped_SecondRunGetsTheRest()
    {
        foreach (var body in new[] { "a", "b", "c" })
        {
            (await CliProcess.RunAsync("pub", "resume", body, "--connect", Dir.Embedded)).Expect(0);
        }

        var first = (await CliProcess.RunAsync("sub", "resume", "--group", "g", "--from", "earliest", "--count", "2", "--connect", Dir.Embedded)).Expect(0);
        var second = (await CliProcess.RunAsync("sub", "resume", "--group", "g", "--count", "1", "--connect", Dir.Embedded)).Expect(0);

        Assert.Equal(["a", "b"], first.Lines);
        Assert.Equal(["c"], second.Lines);
    }

    [Fact]
    public async Task Sub_ReaderClosesThePipe_StopsLeavingTheRestUnacknowledged()
    {
        // 10 lines of 32 KiB: more than a pipe holds (64 KiB), so writes after head -1 exits must meet the closed pipe.
        const int Count = 10;
        var line = new string('x', 32 * 1024);
        (await CliProcess.RunWithInputAsync(string.Concat(Enumerable.Repeat(line + "\n", Count)), "pub", "piped", "--lines", "--connect", Dir.Embedded)).Expect(0);

        var tool = Path.Combine(CliProcess.ToolDirectory, "omnibus.dll");
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", $"dotnet '{tool}' sub piped --group g --from earliest --connect '{Dir.Embedded}' | head -1 | wc -c"])
        {
            RedirectStandardOutput = true,
        })!;
        using (var deadline = new CancellationTokenSource(CliProcess.DefaultTimeout))
        {
            try
            {
                await shell.WaitForExitAsync(deadline.Token);
            }
            finally
            {
                if (!shell.HasExited)
                {
                    shell.Kill(entireProcessTree: true);
                }
            }
        }

        var groups = JsonDocument.Parse((await CliProcess.RunAsync("groups", "--topic", "piped", "--json", "--connect", Dir.Embedded)).Expect(0).Stdout).RootElement;
        Assert.Equal((line.Length + 1).ToString(CultureInfo.InvariantCulture), (await shell.StandardOutput.ReadToEndAsync()).Trim());
        Assert.InRange(groups.EnumerateArray().Single().GetProperty("lag").GetInt64(), 1, Count - 1);
    }

    [Fact]
    public async Task Sub_TimeoutBeforeCount_ExitsOneSayingHowManyArrived()
    {
        var sub = (await CliProcess.RunAsync("sub", "empty", "--create", "--count", "1", "--timeout", "500ms", "--connect", Dir.Embedded)).Expect(1);

        Assert.Contains("0 of 1 messages arrived within 500ms", sub.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_Delay_MessageArrivesNoEarlierThanTheDelay()
    {
        (await CliProcess.RunAsync("pub", "later", "x", "--delay", "3s", "--connect", Dir.Embedded)).Expect(0);

        var sub = (await CliProcess.RunAsync("sub", "later", "--from", "earliest", "--count", "1", "--format", "json", "--connect", Dir.Embedded)).Expect(0);

        // Printed (so delivered) before the sub process ended, which is now at the latest.
        var message = JsonDocument.Parse(sub.Lines.Single()).RootElement;
        Assert.Equal("x", message.GetProperty("body").GetString());
        Assert.True(DateTimeOffset.UtcNow - message.GetProperty("timestamp").GetDateTimeOffset() >= TimeSpan.FromSeconds(3));
    }
}
