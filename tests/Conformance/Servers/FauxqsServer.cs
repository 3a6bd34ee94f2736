using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;

namespace Omnibus.Conformance.Servers;

/// <summary>
/// The fauxqs SQS emulator (1.9.2, installed by tests/servers/prepare.sh into .test-servers/fauxqs or $FAUXQS_DIR) on
/// a free loopback port, started with tests/servers/fauxqs-serve.mjs and shared by the tests of a collection (or class);
/// used by tests/Drivers.Sqs.Tests and tests/Cli.Tests. It keeps everything in memory: <see cref="Stop"/> and
/// <see cref="StartAsync"/> on the same port is an endpoint that goes away and comes back empty. When it cannot start, every test using it fails with the reason in CI
/// (<see cref="TestEnvironment.IsCI"/>) and is reported as skipped elsewhere.
/// </summary>
public sealed class FauxqsServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private Process? _process;

    public int Port { get; } = LoopbackPort.Free();

    /// <summary>Why the emulator is not available, or null when it runs.</summary>
    public string? Unavailable { get; private set; }

    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The driver's connection string: the emulator's endpoint, dummy keys (it checks no signature), short waits for the tests.</summary>
    public string ConnectionString => $"sqs://us-east-1?endpoint={Endpoint}&accessKeyId=test&secretAccessKey=test&waitTime=1s&reconnectDelay=100ms&reconnectMaxDelay=1s";

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
        Stop();
        return Task.CompletedTask;
    }

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the emulator is not running.</summary>
    public void Require()
    {
        if (Unavailable is not null)
        {
            throw TestEnvironment.Unavailable("No fauxqs could be started: " + Unavailable);
        }
    }

    /// <summary>Kills the emulator and waits until it has exited; everything it held is gone.</summary>
    public void Stop()
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
                process.Kill();
            }

            process.WaitForExit();
        }
    }

    /// <summary>Starts the emulator (again) on the same port and waits until it accepts requests.</summary>
    public async Task StartAsync()
    {
        var install = Environment.GetEnvironmentVariable("FAUXQS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryFiles.Root, ".test-servers", "fauxqs");
        if (!File.Exists(Path.Combine(install, "node_modules", "fauxqs", "package.json")))
        {
            throw new InvalidOperationException($"fauxqs is not installed in {install} (run tests/servers/prepare.sh)");
        }

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepositoryFiles.Root, "tests", "servers", "fauxqs-serve.mjs"));
        info.Environment["FAUXQS_DIR"] = install;
        info.Environment["FAUXQS_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (log)
            {
                if (log.ToString().Contains("fauxqs ready", StringComparison.Ordinal))
                {
                    return;
                }

                if (process.HasExited)
                {
                    throw new InvalidOperationException($"fauxqs exited with {process.ExitCode}: {log}");
                }

                if (deadline.Elapsed > StartTimeout)
                {
                    throw new InvalidOperationException($"fauxqs did not get ready within {StartTimeout}: {log}");
                }
            }

            await Task.Delay(20); // polling the emulator's own ready line, with the deadline above
        }
    }

}
