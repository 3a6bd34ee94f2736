using System.Diagnostics;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// A RabbitMQ node with a TLS listener whose certificate is issued by a CA made here with openssl (CN=localhost,
/// SAN localhost and 127.0.0.1), plus a second CA that issued nothing the node shows. Stopped at the end.
/// </summary>
public sealed class RabbitMqTlsNode : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("omnibus-rabbit-tls-").FullName;
    private string? _unavailable;

    public RabbitMqTlsNode() => Server = RabbitMqServer.WithTls(_dir);

    public RabbitMqServer Server { get; }

    /// <summary>The CA that issued the node's certificate (PEM).</summary>
    public string CaFile => Path.Combine(_dir, "ca.pem");

    /// <summary>A CA that issued nothing the node shows (PEM).</summary>
    public string OtherCaFile => Path.Combine(_dir, "other-ca.pem");

    /// <summary>amqps:// to the node's TLS listener with the given options (no reconnect delays worth waiting for).</summary>
    public string ConnectionString(string options) => $"amqps://guest:guest@127.0.0.1:{Server.TlsPort}/?reconnectDelay=200ms&reconnectMaxDelay=2s&{options}";

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        _unavailable =
            await OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Omnibus Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
            ?? await OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Omnibus Other CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
            ?? await OpenSslAsync("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
            ?? await OpenSslAsync("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        if (_unavailable is null)
        {
            await Server.InitializeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_unavailable is null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the certificates or the node are missing.</summary>
    public void Require()
    {
        if (_unavailable is not null)
        {
            throw TestEnvironment.Unavailable("The test CA could not be made with openssl: " + _unavailable);
        }

        Server.Require();
    }

    /// <summary>Runs openssl in the node's directory; null when it succeeded, else what it said.</summary>
    private async Task<string?> OpenSslAsync(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardError.ReadToEndAsync();
            _ = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? null : $"openssl {string.Join(' ', args)}: {await output}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"openssl could not be run ({e.Message}): apt-get install -y openssl";
        }
    }
}
