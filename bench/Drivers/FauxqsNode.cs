using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// The fauxqs SQS emulator (in memory) on a free loopback port, started with tests/servers/fauxqs-serve.mjs from where
/// tests/servers/prepare.sh installed it (.test-servers/fauxqs, or $FAUXQS_DIR), killed when the benchmark ends.
/// </summary>
internal sealed class FauxqsNode : IDisposable
{
    private readonly Process _process;
    private int _stopped;

    private FauxqsNode(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public static async Task<FauxqsNode> StartAsync()
    {
        var root = RabbitMqNode.RepositoryRoot();
        var install = Environment.GetEnvironmentVariable("FAUXQS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(root, ".test-servers", "fauxqs");
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(root, "tests", "servers", "fauxqs-serve.mjs"));
        info.Environment["FAUXQS_DIR"] = install;
        info.Environment["FAUXQS_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var node = new FauxqsNode(Process.Start(info) ?? throw new InvalidOperationException("node did not start"), port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => node.Dispose();
        Console.CancelKeyPress += (_, _) => node.Dispose();
        var ready = await node._process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (ready is null || !ready.StartsWith("fauxqs ready", StringComparison.Ordinal))
        {
            node.Dispose();
            throw new InvalidOperationException($"fauxqs in {install} did not start (run tests/servers/prepare.sh): {await node._process.StandardError.ReadToEndAsync()}");
        }

        _ = node._process.StandardOutput.ReadToEndAsync(); // drained, so the emulator never blocks on a full pipe
        _ = node._process.StandardError.ReadToEndAsync();
        return node;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0 && !_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }
}
