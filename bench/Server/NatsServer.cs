using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Omnibus.Bench.Server;

/// <summary>Debian's nats-server on a free loopback port, JetStream on, its store in a temporary directory.</summary>
internal sealed class NatsServer : IDisposable
{
    private readonly Process _process;
    private readonly string _store;

    private NatsServer(Process process, string store, int port)
    {
        _process = process;
        _store = store;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NatsServer> StartAsync()
    {
        var binary = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed: apt-get install -y nats-server");
        var port = FreePort();
        var store = Directory.CreateTempSubdirectory("omnibus-bench-nats-").FullName;
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", store })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NatsServer(process, store, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_store, recursive: true);
    }
}
