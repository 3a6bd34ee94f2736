using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Conformance.Servers;

/// <summary>
/// One redis-server on a free loopback port with its own data directory, started as a child process (so a test can
/// SIGKILL it and start it again on the same directory). Without redis-server on the machine every test using it is
/// skipped with the reason, or fails in CI (<see cref="TestEnvironment.Unavailable"/>). Used by tests/Drivers.Redis.Tests and
/// tests/Cli.Tests.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisProcess(string directory, int port, string[] extraArgs)
    {
        Directory = directory;
        Port = port;
        _extraArgs = extraArgs;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The connection string of this server, with the given query options (e.g. <c>claimIdle=2s</c>).</summary>
    public string ConnectionString(string? options = null) =>
        $"redis://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}" + (options is null ? string.Empty : "?" + options);

    /// <summary>Starts a server with the test settings (no persistence) plus <paramref name="extraArgs"/>; waits until it answers.</summary>
    public static async Task<RedisProcess> StartAsync(params string[] extraArgs)
    {
        if (!File.Exists("/usr/bin/redis-server") || !File.Exists("/usr/bin/redis-cli"))
        {
            throw TestEnvironment.Unavailable("redis-server is not installed (tests/servers/prepare.sh installs it: apt-get install -y redis-server)");
        }

        var server = new RedisProcess(System.IO.Directory.CreateTempSubdirectory("omnibus-redis-").FullName, LoopbackPort.Free(), extraArgs);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and directory.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("/usr/bin/redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory, "--save", "", "--appendonly", "no" }.Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        // Up as soon as it answers; NOAUTH is an answer too (a server started with --requirepass).
        while (await CliAsync("PING", check: false) is var reply && !reply.Contains("PONG", StringComparison.Ordinal) && !reply.Contains("NOAUTH", StringComparison.Ordinal))
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING (exited: {_process.HasExited}).");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL: no shutdown, no final save; what the append-only file holds is what survives.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Runs <c>redis-cli -p port args...</c> and returns its output.</summary>
    public async Task<string> CliAsync(params string[] args) => await CliAsync(args, check: true);

    public async Task<string> CliAsync(string arg, bool check) => await CliAsync([arg], check);

    public async Task<string> CliAsync(string[] args, bool check)
    {
        var info = new ProcessStartInfo("/usr/bin/redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var cli = Process.Start(info)!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync();
        if (check && cli.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed: {await error}");
        }

        return await output + (check ? string.Empty : await error);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the dying server: the temp dir is left for the OS to clean.
        }
    }

}
