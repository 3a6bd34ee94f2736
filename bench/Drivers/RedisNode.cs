using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// A throwaway redis-server on a free loopback port with a temp directory and no persistence (<c>--save ''
/// --appendonly no</c>, as the peer figures in docs/benchmarks.md), started as a child process and killed when the
/// benchmark ends or is interrupted.
/// </summary>
internal sealed class RedisNode : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private int _stopped;

    private RedisNode(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public static RedisNode Start()
    {
        var dir = Directory.CreateTempSubdirectory("omnibus-bench-redis-").FullName;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        var node = new RedisNode(Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start"), dir, port);
        node._process.OutputDataReceived += (_, _) => { };
        node._process.BeginOutputReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => node.Dispose();
        Console.CancelKeyPress += (_, _) => node.Dispose();
        var clock = Stopwatch.StartNew();
        while (!Answers(port))
        {
            if (node._process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                node.Dispose();
                throw new InvalidOperationException($"redis-server on port {port} did not start: {node._process.StandardError.ReadToEnd()}");
            }

            Thread.Sleep(20);
        }

        Console.WriteLine($"redis: server on 127.0.0.1:{port}, no persistence, data in {dir}");
        return node;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        Directory.Delete(_dir, recursive: true);
        Console.WriteLine("redis: server stopped");
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
