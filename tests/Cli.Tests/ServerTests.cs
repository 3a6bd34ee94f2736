using System.Text.Json;
using System.Text.RegularExpressions;

namespace Omnibus.Cli.Tests;

/// <summary><c>omnibus server</c> as a long-running child process, stopped with SIGTERM.</summary>
public sealed partial class ServerTests : TempDirectoryTests
{
    [Fact]
    public async Task Server_Sigterm_PrintsItsAddressesThenStopsCleanly()
    {
        await using var server = CliProcess.Start("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0");

        var ready = await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        server.Terminate();
        var code = await server.WaitForExitAsync(CliProcess.DefaultTimeout);

        Assert.Matches(@"omnibus://127\.0\.0\.1:[1-9][0-9]*", ready);
        Assert.Matches(@"http://127\.0\.0\.1:[1-9][0-9]*/", ready);
        Assert.Contains(Dir.Path, ready, StringComparison.Ordinal);
        Assert.True(code == 0, $"exit {code}\n{server.Stderr}");
    }

    [Fact]
    public async Task Server_TokensFromOptionAndFile_AreLoggedByNameNeverByValue()
    {
        var file = Path.Combine(Dir.Path, "tokens.json");
        await File.WriteAllTextAsync(file, """[{"name": "ops", "token": "file-secret-1", "publish": ["*"], "subscribe": ["*"]}]""");
        await using var server = CliProcess.Start("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "off", "--token", "ci:option-secret-2:pub=orders.*,audit:sub=*", "--tokens-file", file);

        await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(CliProcess.DefaultTimeout));

        Assert.Contains("Token ci: publish orders.*,audit, subscribe *", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("Token ops: publish *, subscribe *", server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", server.Stdout + server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_TokensFileNotJson_ExitsTwoNamingIt()
    {
        var file = Path.Combine(Dir.Path, "tokens.json");
        await File.WriteAllTextAsync(file, "ci=secret");

        var result = (await CliProcess.RunAsync("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "off", "--tokens-file", file)).Expect(2);

        Assert.Contains($"--tokens-file '{file}' could not be read", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_PortTaken_ExitsOneNamingTheAddress()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = taken.LocalEndpoint.ToString()!;

        var result = (await CliProcess.RunAsync("server", "--data", Dir.Path, "--tcp", address, "--http", "off")).Expect(1);

        Assert.Contains($"the server could not listen on --tcp {address}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_PubThenSubOverOmnibusProtocol_RoundTrips()
    {
        await using var server = CliProcess.Start("server", "--data", Dir.Path, "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0");
        var ready = await server.WaitForLineAsync(l => l.StartsWith("omnibus server:", StringComparison.Ordinal), CliProcess.DefaultTimeout);
        var connect = ConnectionString().Match(ready).Value;

        var id = (await CliProcess.RunAsync("pub", "greetings", "hello", "--header", "lang=en", "--connect", connect)).Expect(0).Stdout.Trim();
        var sub = (await CliProcess.RunAsync("sub", "greetings", "--from", "earliest", "--count", "1", "--format", "json", "--connect", connect)).Expect(0);
        server.Terminate();

        var message = JsonDocument.Parse(sub.Lines.Single()).RootElement;
        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.Equal("hello", message.GetProperty("body").GetString());
        Assert.Equal("en", message.GetProperty("headers").GetProperty("lang").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(CliProcess.DefaultTimeout));
    }

    [GeneratedRegex(@"omnibus://\S+?(?=[ ;])")]
    private static partial Regex ConnectionString();
}
