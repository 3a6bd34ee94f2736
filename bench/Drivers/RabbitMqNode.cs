using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// A throwaway rabbitmq-server on free loopback ports in a temp directory, run by tests/servers/rabbitmq.sh (the
/// script the driver's tests use). <see cref="Stop"/> stops it and its epmd; it is idempotent and also runs when
/// the process exits or is interrupted, so the node never outlives the benchmark.
/// </summary>
internal sealed class RabbitMqNode : IDisposable
{
    private readonly string _script;
    private readonly string _dir;
    private int _stopped;

    private RabbitMqNode(string script, string dir, int port, int epmdPort)
    {
        _script = script;
        _dir = dir;
        Port = port;
        EpmdPort = epmdPort;
    }

    public int Port { get; }

    public int EpmdPort { get; }

    public string Directory => _dir;

    public static RabbitMqNode Start()
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "servers", "rabbitmq.sh");
        var dir = System.IO.Directory.CreateTempSubdirectory("omnibus-bench-rabbit-").FullName;
        var port = FreePortPair();
        var node = new RabbitMqNode(script, dir, port, FreePortPair());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => node.Stop();
        Console.CancelKeyPress += (_, _) => node.Stop();
        var (ok, output) = node.Run("start", dir, port.ToString(CultureInfo.InvariantCulture), node.EpmdPort.ToString(CultureInfo.InvariantCulture));
        if (!ok)
        {
            node.Stop();
            throw new InvalidOperationException($"rabbitmq-server could not be started by {script}: {output.Trim()}");
        }

        Console.WriteLine($"rabbitmq: node on 127.0.0.1:{port} ({output.Trim()}), data in {dir}");
        return node;
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        var (ok, output) = Run("stop", _dir);
        Console.WriteLine(ok ? "rabbitmq: node stopped" : $"rabbitmq: stopping the node failed: {output.Trim()}");
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temp dir is left for the OS to clean.
        }
    }

    public void Dispose() => Stop();

    private (bool Ok, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(_script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode == 0, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    /// <summary>The directory holding Omnibus.sln, above the working directory or the executable.</summary>
    internal static string RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Omnibus.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Omnibus.sln not found above the working directory or the executable: run from the repository.");
    }

    /// <summary>A free loopback port below 45000 whose port + 20000 (RabbitMQ's distribution port) is free too.</summary>
    private static int FreePortPair()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20000, 45000);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                using var distribution = new TcpListener(IPAddress.Loopback, port + 20000);
                distribution.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("No free loopback port pair found.");
    }
}
