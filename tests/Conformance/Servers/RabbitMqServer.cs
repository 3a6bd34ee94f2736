using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Omnibus.Conformance.Servers;

/// <summary>
/// A real rabbitmq-server with its management plugin, on free loopback ports in a temp directory, run by
/// tests/servers/rabbitmq.sh; shared by the tests of a collection (or class) and stopped (with its epmd) at the end.
/// Used by tests/Drivers.RabbitMQ.Tests and tests/Cli.Tests. When it cannot start, every test using it fails with the
/// reason in CI (<see cref="TestEnvironment.IsCI"/>), and is otherwise reported as skipped with the reason (never passed).
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private static readonly string Script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../servers/rabbitmq.sh"));
    private readonly string _dir = Directory.CreateTempSubdirectory("omnibus-rabbit-").FullName;

    public RabbitMqServer()
        : this(tlsDirectory: null)
    {
    }

    // Private: xunit wants a single public constructor on a collection fixture.
    private RabbitMqServer(string? tlsDirectory)
    {
        Port = FreePort(withDistributionPort: true);
        EpmdPort = FreePort(withDistributionPort: true, Port);
        ManagementPort = FreePort(withDistributionPort: false, Port, EpmdPort, Port + 20000, EpmdPort + 20000);
        TlsDirectory = tlsDirectory;
        TlsPort = tlsDirectory is null ? 0 : FreePort(withDistributionPort: false, Port, EpmdPort, ManagementPort, Port + 20000, EpmdPort + 20000);
    }

    /// <summary>A node that also takes amqps on <see cref="TlsPort"/> with the ca.pem, server.pem and server.key of <paramref name="tlsDirectory"/>.</summary>
    public static RabbitMqServer WithTls(string tlsDirectory) => new(tlsDirectory);

    /// <summary>Where the node takes amqps (127.0.0.1), or 0 without TLS.</summary>
    public int TlsPort { get; }

    /// <summary>The directory of the TLS listener's ca.pem, server.pem and server.key, or null without TLS.</summary>
    public string? TlsDirectory { get; }

    public int Port { get; }

    public int EpmdPort { get; }

    /// <summary>Where the management plugin's HTTP API listens (127.0.0.1).</summary>
    public int ManagementPort { get; }

    /// <summary>The management API's base URL, for the driver's <c>management</c> option.</summary>
    public string ManagementUrl => $"http://127.0.0.1:{ManagementPort}";

    /// <summary>Why the server is not available, or null when it runs.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Plain AMQP: the driver's admin knows only what its own process touched.</summary>
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/?reconnectDelay=200ms&reconnectMaxDelay=2s";

    /// <summary>As <see cref="ConnectionString"/>, with the admin reading the management API.</summary>
    public string ManagementConnectionString => ConnectionString + "&management=" + Uri.EscapeDataString(ManagementUrl);

    public async Task InitializeAsync()
    {
        var (ok, output) = await StartAsync();
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

    /// <summary>Stops the node, keeping its data; <see cref="StartAgainAsync"/> brings it back on the same ports.</summary>
    public Task StopNodeAsync() => RunAsync("stop-node", _dir);

    public async Task StartAgainAsync()
    {
        var (ok, output) = await StartAsync();
        if (!ok)
        {
            throw new InvalidOperationException("rabbitmq-server did not come back: " + output);
        }
    }

    private Task<(bool Ok, string Output)> StartAsync() =>
        RunAsync("start", _dir, Port.ToString(CultureInfo.InvariantCulture), EpmdPort.ToString(CultureInfo.InvariantCulture), ManagementPort.ToString(CultureInfo.InvariantCulture));

    private Task<(bool Ok, string Output)> RunAsync(params string[] args) =>
        RunScriptAsync(TlsDirectory is null ? [] : [("TLS_PORT", TlsPort.ToString(CultureInfo.InvariantCulture)), ("TLS_DIR", TlsDirectory)], args);

    private static async Task<(bool Ok, string Output)> RunScriptAsync(IEnumerable<(string Name, string Value)> environment, string[] args)
    {
        if (!File.Exists(Script))
        {
            return (false, $"{Script} not found");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

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

    private static int FreePort(bool withDistributionPort, params int[] taken)
    {
        // Every port (and RABBITMQ_DIST_PORT, AMQP port + 20000) stays below Linux's ephemeral range (32768 and up):
        // there an outgoing connection can take the port while the node is stopped, and the restarted node fails with
        // eaddrinuse.
        for (var i = 0; i < 100; i++)
        {
            var port = Random.Shared.Next(10000, 12768);
            if (taken.Contains(port))
            {
                continue;
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                if (withDistributionPort)
                {
                    using var dist = new TcpListener(IPAddress.Loopback, port + 20000);
                    dist.Start();
                }

                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free loopback port found");
    }
}
