using System.Security.Cryptography.X509Certificates;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>The validated settings of one <c>omnibus://</c> connection string. Immutable; the token never reaches ToString.</summary>
internal sealed record OmnibusSettings
{
    public const int DefaultPort = 7470;

    /// <summary>
    /// The least credit a subscription grants unless <c>prefetch</c> is set. The credit is a window over a network
    /// round trip, so the core's prefetch (sized for handler slots: 2 for one handler) would leave the connection idle
    /// while acks travel back: end to end, 32 gave ~250k msg/s here, 512 about 400k. Still shallow enough that a
    /// group's members share the load; lower it with <c>prefetch</c> for fairer sharing of slow messages.
    /// </summary>
    public const int MinimumCredit = 512;

    public static readonly DriverOptionTable Table = new(
        "omnibus",
        DriverOption.Secret("token", "The access token, never logged; may be given as the password instead (omnibus://:token@host:port), not both"),
        DriverOption.Boolean("tls", false, "Speak TLS (the server has a certificate)"),
        DriverOption.Text("tlsServerName", null, "The name expected in the server certificate; unset: the host"),
        DriverOption.Text("tlsThumbprint", null, "Trust exactly the server certificate with this SHA-256 thumbprint (64 hex digits, ':' allowed), e.g. a self-signed one; unset: the system's trust store decides"),
        DriverOption.Boolean("tlsInsecure", false, "Accept any server certificate (tests only)"),
        DriverOption.Int32("prefetch", null, 1, 100_000, $"Deliveries a subscription may hold unsettled (its credit; the server caps it at MaxCredits); unset: the core's prefetch for the subscription, at least {MinimumCredit}"),
        DriverOption.Duration("connectTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "How long TCP, TLS and the handshake may take"),
        DriverOption.Text("name", "omnibus", "The client name the server logs"));

    public required string Host { get; init; }

    public required int Port { get; init; }

    public string? Token { get; init; }

    public bool Tls { get; init; }

    public string? TlsServerName { get; init; }

    public string? TlsThumbprint { get; init; }

    public bool TlsInsecure { get; init; }

    public int? Prefetch { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public required string Name { get; init; }

    /// <summary>Reads the settings; names and values were checked against <see cref="Table"/>, combinations are checked here.</summary>
    public static OmnibusSettings Parse(ConnectionString cs)
    {
        var hosts = cs.Hosts(DefaultPort);
        if (hosts.Count != 1 || hosts[0].Host.Length == 0)
        {
            throw new OmnibusConfigurationException("host", $"The omnibus connection string '{cs}' must name exactly one server: allowed is 'omnibus://host:port', e.g. 'omnibus://127.0.0.1:{DefaultPort}'.");
        }

        var optionToken = Table.GetText(cs, "token");
        if (optionToken is not null && cs.Password is not null)
        {
            throw new OmnibusConfigurationException("token", "The omnibus connection string gives the token twice (as 'token' and as the password): allowed is one of them.");
        }

        var token = optionToken ?? cs.Password;
        if (token is { Length: 0 })
        {
            throw new OmnibusConfigurationException("token", "The omnibus connection string has an empty token: allowed is a non-empty token, or none when the server has authentication off.");
        }

        var tls = Table.GetBoolean(cs, "tls");
        var rawThumbprint = Table.GetText(cs, "tlsThumbprint");
        var thumbprint = rawThumbprint?.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (thumbprint is not null && (thumbprint.Length != 64 || !thumbprint.All(Uri.IsHexDigit)))
        {
            throw cs.Invalid("tlsThumbprint", rawThumbprint!, "a SHA-256 thumbprint: 64 hexadecimal digits");
        }

        var insecure = Table.GetBoolean(cs, "tlsInsecure");
        var serverName = Table.GetText(cs, "tlsServerName");
        if (!tls && (thumbprint is not null || insecure || serverName is not null))
        {
            throw new OmnibusConfigurationException("tls", "The omnibus connection string sets a TLS option without tls=true: allowed is tls=true together with tlsServerName, tlsThumbprint or tlsInsecure.");
        }

        return new OmnibusSettings
        {
            Host = hosts[0].Host.Trim('[', ']'),
            Port = hosts[0].Port,
            Token = token,
            Tls = tls,
            TlsServerName = serverName,
            TlsThumbprint = thumbprint,
            TlsInsecure = insecure,
            Prefetch = Table.GetInt32OrNull(cs, "prefetch"),
            ConnectTimeout = Table.GetDuration(cs, "connectTimeout"),
            Name = Table.GetText(cs, "name")!,
        };
    }

    /// <summary>The credit a subscription grants: the prefetch option, else the core's prefetch (at least <see cref="MinimumCredit"/>), within the server's cap.</summary>
    public int CreditFor(ConsumerSpec spec, int maxCredits) => Math.Min(Prefetch ?? Math.Max(spec.Prefetch, MinimumCredit), maxCredits);

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
