namespace Omnibus.Server.Tests;

/// <summary>
/// An in-process omnibus server on 127.0.0.1 (a free port) over an <c>embedded://</c> broker in a temporary
/// directory, TCP only. Dispose it to stop the server, close the broker and delete the data.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly string _data;
    private readonly Func<string, Broker> _serve;

    private TestServer(string data, Func<string, Broker> serve, Broker broker, OmnibusServer server, OmnibusServerOptions options)
    {
        _data = data;
        _serve = serve;
        Broker = broker;
        Server = server;
        Options = options;
    }

    public Broker Broker { get; private set; }

    public OmnibusServer Server { get; private set; }

    public OmnibusServerOptions Options { get; }

    /// <summary><c>omnibus://127.0.0.1:port</c>.</summary>
    public string ConnectionString => Server.ConnectionString!;

    public System.Net.IPEndPoint Endpoint => Server.TcpEndpoint!;

    /// <summary>
    /// The server's counters. OmnibusServer keeps them in its service provider and does not expose them (the metrics
    /// endpoint reads them), so the tests reach them the only way they can.
    /// </summary>
    internal ServerStats Stats
    {
        get
        {
            var app = (Microsoft.AspNetCore.Builder.WebApplication)typeof(OmnibusServer)
                .GetField("_app", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(Server)!;
            return (ServerStats)app.Services.GetService(typeof(ServerStats))!;
        }
    }

    /// <summary>Starts a server; <paramref name="serve"/> replaces the embedded broker (it gets the data directory).</summary>
    public static async Task<TestServer> StartAsync(Action<OmnibusServerOptions>? configure = null, Func<string, Broker>? serve = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "omnibus-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var options = new OmnibusServerOptions { Tcp = "127.0.0.1:0", Http = null };
        configure?.Invoke(options);
        serve ??= static d => Omnibus.Broker.Connect($"embedded://{d}");
        var broker = serve(data);
        try
        {
            return new TestServer(data, serve, broker, await OmnibusServer.StartAsync(broker, options), options);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (its clients see the connection drop) and starts it again on the same port and broker.</summary>
    public async Task RestartAsync()
    {
        var port = Endpoint.Port;
        await Server.DisposeAsync();
        Options.Tcp = $"127.0.0.1:{port}";
        Server = await OmnibusServer.StartAsync(Broker, Options);
    }

    /// <summary>
    /// Stops the server and closes its broker, as a process that exits would, then starts a new broker on the same data
    /// directory and a new server on the same port: what clients see when an omnibus server is restarted.
    /// </summary>
    public async Task ReplaceAsync()
    {
        var port = Endpoint.Port;
        await Server.DisposeAsync();
        await Broker.DisposeAsync();
        Broker = _serve(_data);
        Options.Tcp = $"127.0.0.1:{port}";
        Server = await OmnibusServer.StartAsync(Broker, Options);
    }

    /// <summary>A client broker of this server; <paramref name="query"/> is appended as options (e.g. <c>token=abc</c>).</summary>
    public Broker Connect(string? query = null) => Omnibus.Broker.Connect(query is null ? ConnectionString : $"{ConnectionString}?{query}");

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS: the temp directory is cleaned up eventually.
        }
    }
}
