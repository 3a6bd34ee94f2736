using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Server.Http;
using Omnibus.Server.Tcp;

namespace Omnibus.Server;

/// <summary>
/// Serves a <see cref="Broker"/> (usually the embedded engine) to other processes: the omnibus TCP protocol
/// (docs/protocol.md) on one port, the HTTP API, Prometheus metrics and the dashboard on another. Both are loopback by
/// default; with <see cref="OmnibusServerOptions.Tokens"/> every client needs a token, and with a certificate both
/// ports speak TLS. The server does not own the broker: dispose the broker after the server.
/// </summary>
public sealed class OmnibusServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions? _tcp;
    private readonly ListenOptions? _http;
    private readonly bool _tls;
    private int _disposed;

    private OmnibusServer(WebApplication app, ListenOptions? tcp, ListenOptions? http, bool tls)
    {
        _app = app;
        _tcp = tcp;
        _http = http;
        _tls = tls;
    }

    /// <summary>Where the TCP protocol listens (the real port when 0 was asked for), or null when it is off.</summary>
    public IPEndPoint? TcpEndpoint => _tcp?.IPEndPoint;

    /// <summary>Where the HTTP API listens, or null when it is off.</summary>
    public Uri? HttpAddress => _http?.IPEndPoint is { } ep
        ? new Uri($"{(_tls ? "https" : "http")}://{(ep.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : ep.Address)}:{ep.Port}/")
        : null;

    /// <summary>The connection string another process uses to reach this server, e.g. <c>omnibus://127.0.0.1:7470</c>.</summary>
    public string? ConnectionString => TcpEndpoint is { } ep ? $"omnibus://{ep.Address}:{ep.Port}" : null;

    /// <summary>Validates <paramref name="options"/>, binds the ports and starts serving <paramref name="broker"/>.</summary>
    /// <exception cref="OmnibusConfigurationException">An option is invalid.</exception>
    /// <exception cref="IOException">A port is taken.</exception>
    public static async Task<OmnibusServer> StartAsync(Broker broker, OmnibusServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var tcpEndpoint = OmnibusServerOptions.ParseEndpoint(nameof(options.Tcp), options.Tcp);
        var httpEndpoint = OmnibusServerOptions.ParseEndpoint(nameof(options.Http), options.Http);
        var certificate = LoadCertificate(options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(broker);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServerStats>();
        // The server lives inside someone else's process (the CLI, a function app): their host owns Ctrl+C and SIGTERM.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        ListenOptions? tcp = null;
        ListenOptions? http = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (tcpEndpoint is not null)
            {
                kestrel.Listen(tcpEndpoint, listen =>
                {
                    tcp = listen;
                    if (certificate is not null)
                    {
                        listen.UseHttps(certificate);
                    }

                    listen.UseConnectionHandler<TcpConnectionHandler>();
                });
            }

            if (httpEndpoint is not null)
            {
                kestrel.Listen(httpEndpoint, listen =>
                {
                    http = listen;
                    listen.Protocols = HttpProtocols.Http1;
                    if (certificate is not null)
                    {
                        listen.UseHttps(certificate);
                    }
                });
            }
        });

        var app = builder.Build();
        HttpApi.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new OmnibusServer(app, tcp, http, certificate is not null);
    }

    /// <summary>Stops listening, closes every connection (unacknowledged deliveries go back to the broker) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A lifetime that hooks no signal: the process's owner decides when the server stops (<see cref="DisposeAsync"/>).</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static X509Certificate2? LoadCertificate(OmnibusServerOptions options)
    {
        if (options.CertificatePath is not { } path)
        {
            return null;
        }

        try
        {
            return path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                ? X509Certificate2.CreateFromPemFile(path, options.CertificatePassword)
                : new X509Certificate2(path, options.CertificatePassword);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new OmnibusConfigurationException(nameof(options.CertificatePath), $"OmnibusServerOptions.CertificatePath '{path}' could not be loaded ({e.Message}); allowed: a PKCS#12 file with its password, or a PEM certificate with its key file in CertificatePassword.", e);
        }
    }
}
