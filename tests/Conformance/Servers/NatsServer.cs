using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Omnibus.Conformance.Servers;

/// <summary>
/// A real nats-server with JetStream on a free loopback port and a throwaway store directory
/// (<c>nats-server -a 127.0.0.1 -p P -js -sd DIR</c>), shared by the tests of a collection (or class) and stopped at the end.
/// Used by tests/Drivers.Nats.Tests and tests/Cli.Tests. It can
/// be stopped (SIGTERM or SIGKILL) and started again on the same port and store. When it cannot start, every test
/// using it fails with the reason in CI (<see cref="TestEnvironment.IsCI"/>) and is reported as skipped elsewhere.
/// </summary>
public sealed class NatsServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("omnibus-nats-").FullName;
    private Process? _process;

    public int Port { get; } = LoopbackPort.Free();

    /// <summary>Why the server is not available, or null when it runs.</summary>
    public string? Unavailable { get; private set; }

    public string Url => $"nats://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The connection string of the driver under test, with short reconnect delays for the tests.</summary>
    public string ConnectionString => $"{Url}?reconnectDelay=100ms&reconnectMaxDelay=1s";

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Unavailable = e.Message;
        }
    }

    public Task DisposeAsync()
    {
        Stop(kill: true);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temp dir is left for the OS to clean.
        }

        return Task.CompletedTask;
    }

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the server is not running.</summary>
    public void Require()
    {
        if (Unavailable is not null)
        {
            throw TestEnvironment.Unavailable("No nats-server could be started: " + Unavailable);
        }
    }

    /// <summary>Stops the server, SIGTERM (it shuts down cleanly) or SIGKILL, and waits until it has exited; the store stays.</summary>
    public void Stop(bool kill)
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                if (kill)
                {
                    process.Kill();
                }
                else
                {
                    using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                    term.WaitForExit();
                }
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                process.WaitForExit();
            }
        }
    }

    /// <summary>Starts the server (again) on the same port and store and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("nats-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", _dir })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start");
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                lock (log)
                {
                    throw new InvalidOperationException($"nats-server exited with {process.ExitCode}: {log}");
                }
            }

            lock (log)
            {
                // The last line it prints once the client port listens and JetStream is up.
                if (log.ToString().Contains("Server is ready", StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"nats-server did not get ready within {StartTimeout}: {log}");
            }

            await Task.Delay(20); // polling the server's own log for its ready line, with the deadline above
        }
    }

}
