namespace Omnibus.Cli.Tests;

/// <summary>Bad input: exit code 2 and a message naming what was wrong.</summary>
public sealed class ErrorTests : TempDirectoryTests
{
    [Theory]
    [InlineData("--header", "tenant", "--header 'tenant' is invalid")]
    [InlineData("--header", "=acme", "--header '=acme' is invalid")]
    [InlineData("--delay", "5x", "--delay '5x' is not a duration")]
    [InlineData("--qos", "3", "--qos 3 is out of range")]
    public async Task Pub_BadOption_ExitsTwoNamingTheInput(string option, string value, string expected)
    {
        var result = (await CliProcess.RunAsync("pub", "t", "body", option, value, "--connect", Dir.Embedded)).Expect(2);

        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Groups_GroupWithoutTopic_ExitsTwoSayingTopicIsNeeded()
    {
        var result = (await CliProcess.RunAsync("groups", "--group", "billing", "--connect", Dir.Embedded)).Expect(2);

        Assert.Contains("'groups --group' needs '--topic'", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Pub_UnknownScheme_ExitsTwoWithTheCoresMessage()
    {
        var result = (await CliProcess.RunAsync("pub", "t", "body", "--connect", "nope://somewhere")).Expect(2);

        Assert.Contains("No driver is registered for scheme 'nope'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_UnknownConnectionOption_ExitsTwoNamingIt()
    {
        var result = (await CliProcess.RunAsync("pub", "t", "body", "--connect", Dir.Embedded + "?qso=1")).Expect(2);

        Assert.Contains("Option 'qso' is not supported by the embedded:// driver", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_QosOnADriverWithoutQos_ExitsTwoNamingTheScheme()
    {
        var result = (await CliProcess.RunAsync("pub", "t", "body", "--qos", "2", "--connect", "memory://")).Expect(2);

        Assert.Contains("--qos is not supported by the memory:// driver", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topics_DriverWithoutAdmin_ExitsTwoNamingTheSchemeAndWhatWorks()
    {
        var result = (await CliProcess.RunAsync("topics", "--connect", "memory://")).Expect(2);

        Assert.Contains("the memory:// driver cannot", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("embedded://", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sub_UnknownFormat_ExitsTwo()
    {
        var result = (await CliProcess.RunAsync("sub", "t", "--format", "xml", "--connect", Dir.Embedded)).Expect(2);

        Assert.Contains("xml", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_BodyAndFile_ExitsTwo()
    {
        var result = (await CliProcess.RunAsync("pub", "t", "body", "--file", "x.txt", "--connect", Dir.Embedded)).Expect(2);

        Assert.Contains("cannot be combined with --file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_BrokerUnreachable_ExitsOneSayingSo()
    {
        // The RabbitMQ driver fails at once with connection refused.
        var result = (await CliProcess.RunAsync("pub", "t", "body", "--connect", $"amqp://guest:hunter2-xyz@127.0.0.1:{ClosedPort()}")).Expect(1);

        Assert.Contains("could not be reached", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-xyz", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_Token_IsNeverPrinted()
    {
        // Without the omnibus:// driver the error names the connection string (token included); with it, the server is
        // unreachable. Either way the command fails, and the token is masked.
        var result = await CliProcess.RunAsync("pub", "t", "body", "--timeout", "5s", "--token", "s3cret-token", "--connect", $"omnibus://127.0.0.1:{ClosedPort()}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("s3cret-token", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on (taken, then released).</summary>
    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Server_BadToken_ExitsTwoWithoutPrintingTheToken()
    {
        var result = (await CliProcess.RunAsync("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "off", "--token", "ci:hunter2-xyz:write=*")).Expect(2);

        Assert.Contains("--token", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-xyz", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_BadListenAddress_ExitsTwoNamingIt()
    {
        var result = (await CliProcess.RunAsync("server", "--data", Dir.Path, "--tcp", "nowhere:1")).Expect(2);

        Assert.Contains("--tcp 'nowhere:1' is invalid", result.Stderr, StringComparison.Ordinal);
    }
}
