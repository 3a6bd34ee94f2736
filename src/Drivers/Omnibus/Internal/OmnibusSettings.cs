using System.Security.Cryptography.X509Certificates;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>The validated settings of one <c>omnibus://</c> connection string. Immutable; the token never reaches ToString.</summary>
internal sealed record OmnibusSettings
{
    public const int DefaultPort = 7470;

    /// <summary>
    /// The least credit a subscription grants by default. Deep enough that deliveries keep flowing while acks are on
    /// their way back (end to end, 32 gave ~250k msg/s here, 512 about 400k); shallow enough that a group's members
    /// still share the load. Lower it (prefetch) for fairer sharing of slow messages, raise it for throughput.
    /// </summary>
    public const int DefaultPrefetch = 512;

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["token"] = "the access token (a secret, never logged); also accepted as the password: omnibus://:token@host:port",
        ["tls"] = "true to speak TLS (the server has a certificate), default false",
        ["tlsServerName"] = "the name expected in the server certificate, default the host",
        ["tlsThumbprint"] = "trust exactly the server certificate with this SHA-256 thumbprint (hex), e.g. a self-signed one",
        ["tlsInsecure"] = "true to accept any server certificate (tests only), default false",
        ["prefetch"] = "deliveries a subscription may hold unsettled (its credit), 1 to 100000; default: twice the subscription's Concurrency, at least 512 (and Batch.MaxSize for batch options other than the default); the server caps it at its MaxCredits",
        ["connectTimeout"] = "how long connecting and the handshake may take, 100ms to 5m, default 10s",
        ["reconnectDelay"] = "wait between reconnection attempts while subscriptions are open, 10ms to 5m, default 1s",
        ["name"] = "the client name the server logs, default 'omnibus'",
    };

    public required string Host { get; init; }

    public required int Port { get; init; }

    public string? Token { get; init; }

    public bool Tls { get; init; }

    public string? TlsServerName { get; init; }

    public string? TlsThumbprint { get; init; }

    public bool TlsInsecure { get; init; }

    public int? Prefetch { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public TimeSpan ReconnectDelay { get; init; }

    public required string Name { get; init; }

    public static OmnibusSettings Parse(ConnectionString cs)
    {
        var hosts = cs.Hosts(DefaultPort);
        if (hosts.Count != 1 || hosts[0].Host.Length == 0)
        {
            throw new OmnibusConfigurationException("host", $"The omnibus connection string '{cs}' must name exactly one server: allowed is 'omnibus://host:port', e.g. 'omnibus://127.0.0.1:{DefaultPort}'.");
        }

        var optionToken = cs.Get("token");
        if (optionToken is not null && cs.Password is not null)
        {
            throw new OmnibusConfigurationException("token", "The omnibus connection string gives the token twice (as 'token' and as the password): allowed is one of them.");
        }

        var token = optionToken ?? cs.Password;
        if (token is { Length: 0 })
        {
            throw new OmnibusConfigurationException("token", "The omnibus connection string has an empty token: allowed is a non-empty token, or none when the server has authentication off.");
        }

        var tls = cs.GetBoolean("tls", false);
        var thumbprint = cs.Get("tlsThumbprint")?.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (thumbprint is not null && (thumbprint.Length != 64 || !thumbprint.All(Uri.IsHexDigit)))
        {
            throw cs.Invalid("tlsThumbprint", cs.Get("tlsThumbprint")!, "a SHA-256 thumbprint: 64 hexadecimal digits");
        }

        var insecure = cs.GetBoolean("tlsInsecure", false);
        var serverName = cs.Get("tlsServerName");
        if (!tls && (thumbprint is not null || insecure || serverName is not null))
        {
            throw new OmnibusConfigurationException("tls", "The omnibus connection string sets a TLS option without tls=true: allowed is tls=true together with tlsServerName, tlsThumbprint or tlsInsecure.");
        }

        var prefetch = cs.Get("prefetch") is null ? (int?)null : cs.GetInt32("prefetch", 0, 1, 100_000);
        return new OmnibusSettings
        {
            Host = hosts[0].Host.Trim('[', ']'),
            Port = hosts[0].Port,
            Token = token,
            Tls = tls,
            TlsServerName = serverName,
            TlsThumbprint = thumbprint,
            TlsInsecure = insecure,
            Prefetch = prefetch,
            ConnectTimeout = cs.GetDuration("connectTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            ReconnectDelay = cs.GetDuration("reconnectDelay", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5)),
            Name = cs.Get("name") ?? "omnibus",
        };
    }

    /// <summary>The credit a subscription grants: the prefetch option, or a default from its options.</summary>
    public int CreditFor(SubscriptionOptions options)
    {
        if (Prefetch is { } prefetch)
        {
            return prefetch;
        }

        var credit = Math.Max(DefaultPrefetch, 2 * options.Concurrency);
        return options.Batch == BatchOptions.Default ? credit : Math.Max(credit, options.Batch.MaxSize);
    }

    /// <summary>Whether a server certificate is acceptable under these settings.</summary>
    public bool Accepts(X509Certificate? certificate, System.Net.Security.SslPolicyErrors errors)
    {
        if (TlsInsecure)
        {
            return true;
        }

        if (TlsThumbprint is not null)
        {
            return certificate is not null
                && string.Equals(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), TlsThumbprint, StringComparison.OrdinalIgnoreCase);
        }

        return errors == System.Net.Security.SslPolicyErrors.None;
    }

    /// <summary>Where it connects, without the token.</summary>
    public override string ToString() => $"omnibus://{Host}:{Port}{(Tls ? " (TLS)" : string.Empty)}";
}
