using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Omnibus.Conformance;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// A real rabbitmq-server on free loopback ports in a temp directory, run by tests/servers/rabbitmq.sh; shared by
/// the tests of a collection and stopped (with its epmd) at the end. When it cannot start, every test using it
/// fails with the reason in CI (<see cref="TestEnvironment.IsCI"/>), and is otherwise reported as skipped with the reason (never passed).
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private static readonly string Script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../servers/rabbitmq.sh"));
    private readonly string _dir = Directory.CreateTempSubdirectory("omnibus-rabbit-").FullName;

    public int Port { get; } = FreePort();

    public int EpmdPort { get; } = FreePort();

    /// <summary>Why the server is not available, or null when it runs.</summary>
    public string? Unavailable { get; private set; }

    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/?reconnectDelay=200ms&reconnectMaxDelay=2s";

    public async Task InitializeAsync()
    {
        var (ok, output) = await RunAsync("start", _dir, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), EpmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Unavailable = ok ? null : $"rabbitmq-server could not be started by {Script}: {output.Trim()}";
    }

    public async Task DisposeAsync()
    {
        await RunAsync("stop", _dir);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temp dir is left for the OS to clean.
        }
    }

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the server is not running.</summary>
    public void Require()
    {
        if (Unavailable is not null)
        {
            throw TestEnvironment.Unavailable("No rabbitmq-server could be started: " + Unavailable);
        }
    }

    /// <summary>Stops the node, keeping its data; <see cref="StartAgainAsync"/> brings it back on the same port.</summary>
    public Task StopNodeAsync() => RunAsync("stop-node", _dir);

    public async Task StartAgainAsync()
    {
        var (ok, output) = await RunAsync("start", _dir, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), EpmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!ok)
        {
            throw new InvalidOperationException("rabbitmq-server did not come back: " + output);
        }
    }

    private static async Task<(bool Ok, string Output)> RunAsync(params string[] args)
    {
        if (!File.Exists(Script))
        {
            return (false, $"{Script} not found");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 0, await stdout + await stderr);
    }

    private static int FreePort()
    {
        // Both the port and RABBITMQ_DIST_PORT (port + 20000) stay below Linux's ephemeral range (32768 and up): there an
        // outgoing connection can take the port while the node is stopped, and the restarted node fails with eaddrinuse.
        for (var i = 0; i < 100; i++)
        {
            var port = Random.Shared.Next(10000, 12768);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                using var dist = new TcpListener(IPAddress.Loopback, port + 20000);
                dist.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free loopback port pair found");
    }
}

/// <summary>The shared server: one node for the whole test assembly.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqServer>
{
    public const string Name = "rabbitmq";
}
