using System.Diagnostics;
using System.Globalization;
using System.Text;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// Google's Pub/Sub emulator (a JVM, installed with the Cloud SDK) on a free loopback port, run in a throwaway
/// directory, shared by the tests of a collection (or class) and stopped at the end. It keeps everything in memory:
/// stopped and started again (same port) it knows no topic or subscription. The JVM is warmed once by a round trip
/// through the driver. When it cannot start, every test using it fails with the reason in CI
/// (<see cref="TestEnvironment.IsCI"/>) and is reported as skipped elsewhere.
/// </summary>
public sealed class PubSubEmulator : IAsyncLifetime
{
    /// <summary>Where the machine image installs it (package google-cloud-cli-pubsub-emulator).</summary>
    public const string Executable = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";

    public const string Project = "omnibus-test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("omnibus-pubsub-").FullName;
    private Process? _process;

    public int Port { get; } = LoopbackPort.Free();

    /// <summary>Why the emulator is not available, or null when it runs.</summary>
    public string? Unavailable { get; private set; }

    public string HostPort => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The connection string of the driver under test, with short reconnect delays for the tests.</summary>
    public string ConnectionString => $"pubsub://{Project}?emulator={HostPort}&reconnectDelay=100ms&reconnectMaxDelay=1s";

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
            await WarmUpAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            Unavailable = e.Message;
        }
    }

    public Task DisposeAsync()
    {
        Stop();
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

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the emulator is not running.</summary>
    public void Require()
    {
        if (Unavailable is not null)
        {
            throw TestEnvironment.Unavailable("No Pub/Sub emulator could be started: " + Unavailable);
        }
    }

    /// <summary>Kills the emulator and waits until it has exited (it keeps nothing).</summary>
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
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }
    }

    /// <summary>Starts the emulator (again) on the same port and waits until it listens.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed (apt-get install google-cloud-cli-pubsub-emulator; it needs java)");
        }

        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        info.ArgumentList.Add("--host=127.0.0.1");
        info.ArgumentList.Add("--port=" + Port.ToString(CultureInfo.InvariantCulture));
        info.Environment["HOME"] = _dir;
        var process = Process.Start(info) ?? throw new InvalidOperationException("the Pub/Sub emulator did not start");
        var log = new StringBuilder();
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
                    throw new InvalidOperationException($"the Pub/Sub emulator exited with {process.ExitCode}: {log}");
                }
            }

            lock (log)
            {
                // The line it prints once the gRPC port listens.
                if (log.ToString().Contains("Server started, listening on", StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"the Pub/Sub emulator did not get ready within {StartTimeout}: {log}");
            }

            await Task.Delay(20); // polling the emulator's own log for its ready line, with the deadline above
        }
    }

    /// <summary>One publish and consume through the driver, so the JVM has compiled its paths before the first test times anything.</summary>
    private async Task WarmUpAsync()
    {
        await using var broker = Broker.Connect(ConnectionString);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await broker.SubscribeAsync(new SubscriptionOptions("warmup", "warmup"), (_, _) => { received.TrySetResult(); return default; }))
        {
            await broker.PublishAsync("warmup", new Message(new byte[] { 1 }));
            await received.Task.WaitAsync(StartTimeout);
        }
    }

}
