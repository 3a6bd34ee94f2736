using System.Net;

namespace Omnibus.Server;

/// <summary>
/// How an <see cref="OmnibusServer"/> listens and whom it lets in. Validated by <see cref="Validate"/> when the server
/// starts: a bad value is an error naming the option and what is allowed.
/// </summary>
public sealed class OmnibusServerOptions
{
    /// <summary>The default TCP protocol port.</summary>
    public const int DefaultTcpPort = 7470;

    /// <summary>The default HTTP port (API, metrics, dashboard).</summary>
    public const int DefaultHttpPort = 7471;

    /// <summary>Where the TCP protocol listens, <c>host:port</c> (port 0 picks a free one); null turns it off. Loopback by default.</summary>
    public string? Tcp { get; set; } = $"127.0.0.1:{DefaultTcpPort}";

    /// <summary>Where the HTTP API and dashboard listen, <c>host:port</c> (port 0 picks a free one); null turns it off. Loopback by default.</summary>
    public string? Http { get; set; } = $"127.0.0.1:{DefaultHttpPort}";

    /// <summary>
    /// Access tokens and what each may do. Empty (the default) turns authentication off; with at least one token, every
    /// TCP connection and HTTP request must present a valid one.
    /// </summary>
    public IDictionary<string, TokenGrant> Tokens { get; } = new Dictionary<string, TokenGrant>(StringComparer.Ordinal);

    /// <summary>
    /// Lets clients in without a token on an address other than loopback. False (the default): a server listening beyond
    /// loopback with no <see cref="Tokens"/> refuses to start (the way Redis' protected mode does), since anyone who can
    /// reach it could publish, consume and replay dead letters. Loopback listeners never need it.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>A PKCS#12 (.pfx) or PEM certificate file: when set, both TCP and HTTP require TLS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, or the PEM private key file for a PEM certificate.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The largest TCP frame accepted (header included); a larger length closes the connection with an error.</summary>
    public int MaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The most TCP connections served at once; more are refused with an error.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>The most subscriptions one TCP connection may hold.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 256;

    /// <summary>The most unacknowledged deliveries a subscription may have outstanding, whatever credit its client grants.</summary>
    public int MaxCredits { get; set; } = 10_000;

    /// <summary>How long a connection may stay silent before the server closes it (clients send pings meanwhile).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Tcp is null && Http is null)
        {
            throw new OmnibusConfigurationException(nameof(Tcp), "OmnibusServerOptions: Tcp and Http are both off; allowed: at least one 'host:port'.");
        }

        RequireProtected(nameof(Tcp), Tcp, ParseEndpoint(nameof(Tcp), Tcp));
        RequireProtected(nameof(Http), Http, ParseEndpoint(nameof(Http), Http));
        Require(nameof(MaxFrameBytes), MaxFrameBytes, 1024, 256 * 1024 * 1024);
        Require(nameof(MaxConnections), MaxConnections, 1, 1_000_000);
        Require(nameof(MaxSubscriptionsPerConnection), MaxSubscriptionsPerConnection, 1, 100_000);
        Require(nameof(MaxCredits), MaxCredits, 1, 1_000_000);
        if (IdleTimeout <= TimeSpan.Zero)
        {
            throw new OmnibusConfigurationException(nameof(IdleTimeout), $"OmnibusServerOptions.IdleTimeout is {IdleTimeout}; allowed: a positive time span.");
        }

        foreach (var (token, grant) in Tokens)
        {
            if (string.IsNullOrWhiteSpace(token) || grant is null)
            {
                throw new OmnibusConfigurationException(nameof(Tokens), "OmnibusServerOptions.Tokens has an empty token or a missing grant; allowed: non-empty tokens, each with a grant.");
            }
        }

        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            throw new OmnibusConfigurationException(nameof(CertificatePath), $"OmnibusServerOptions.CertificatePath '{CertificatePath}' does not exist; allowed: a .pfx or .pem file.");
        }
    }

    /// <summary>The grant of <paramref name="token"/>: everything when authentication is off, null when the token is missing or unknown.</summary>
    public TokenGrant? Authorize(string? token) =>
        Tokens.Count == 0 ? TokenGrant.All
        : token is not null && Tokens.TryGetValue(token, out var grant) ? grant
        : null;

    /// <summary>Parses <c>host:port</c>; null stays null.</summary>
    internal static IPEndPoint? ParseEndpoint(string option, string? value)
    {
        if (value is null)
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new OmnibusConfigurationException(option, $"OmnibusServerOptions.{option} is '{value}'; allowed: 'host:port' with a port from 0 to 65535, e.g. 127.0.0.1:{(option == nameof(Tcp) ? DefaultTcpPort : DefaultHttpPort)}.");
        }

        var host = value[..colon].Trim('[', ']');
        if (host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port)
            : throw new OmnibusConfigurationException(option, $"OmnibusServerOptions.{option} host '{host}' is not an IP address; allowed: an IPv4 or IPv6 address, or localhost.");
    }

    private void RequireProtected(string option, string? value, IPEndPoint? endpoint)
    {
        if (endpoint is null || Tokens.Count > 0 || AllowAnonymous || IPAddress.IsLoopback(endpoint.Address))
        {
            return;
        }

        throw new OmnibusConfigurationException(option, $"OmnibusServerOptions.{option} is '{value}', which is not a loopback address, and no token is set: "
            + "anyone who can reach it could publish, consume and replay dead letters, so the server does not start. "
            + "Add a token (omnibus server --token name:secret:pub=*:sub=*, or OmnibusServerOptions.Tokens), listen on 127.0.0.1, "
            + "or let clients in without a token explicitly (--allow-anonymous, or OmnibusServerOptions.AllowAnonymous = true).");
    }

    private static void Require(string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new OmnibusConfigurationException(option, $"OmnibusServerOptions.{option} is {value}; allowed: {min} to {max}.");
        }
    }
}
