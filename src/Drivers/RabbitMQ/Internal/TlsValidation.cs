using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// Checks the server certificate of an amqps:// connection: against the CA of <c>tlsCaCertificate</c> when set, else
/// against the machine's trust store; the expected name is <c>tlsServerName</c> or the host. Remembers why it refused,
/// so that a failed connection says so instead of the client's generic "endpoints not reachable". Thread-safe.
/// </summary>
internal sealed class TlsValidation
{
    private readonly X509Certificate2? _authority;
    private readonly bool _acceptAny;
    private volatile string? _refusal;

    public TlsValidation(X509Certificate2? authority, bool acceptAny)
    {
        _authority = authority;
        _acceptAny = acceptAny;
    }

    /// <summary>Why the last server certificate was refused, or null.</summary>
    public string? Refusal => _refusal;

    /// <summary>Reads the PEM file of <c>tlsCaCertificate</c>; a missing or unreadable file is a configuration error naming it.</summary>
    public static X509Certificate2 LoadAuthority(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new OmnibusConfigurationException("tlsCaCertificate", $"Option 'tlsCaCertificate' = '{path}' of the amqps:// driver cannot be read as a PEM certificate ({e.Message}): allowed is the path of a readable PEM file holding the CA certificate that issued the server's certificate.");
        }
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_acceptAny)
        {
            return true;
        }

        var refusal = Check(certificate, chain, errors);
        _refusal = refusal;
        return refusal is null;
    }

    private string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent no certificate";
        }

        using var server = new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the server certificate '{server.Subject}' is not issued for the name expected (the host, or option tlsServerName)";
        }

        if (_authority is null)
        {
            return errors == SslPolicyErrors.None
                ? null
                : $"the server certificate '{server.Subject}', issued by '{server.Issuer}', is not trusted by this machine ({Statuses(chain)}): set option tlsCaCertificate to the PEM file of the CA that issued it, or add that CA to the machine's trust store";
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(server)
            ? null
            : $"the server certificate '{server.Subject}', issued by '{server.Issuer}', is not issued by the CA of option tlsCaCertificate ('{_authority.Subject}'): {Statuses(custom)}";
    }

    private static string Statuses(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0 ? "no chain" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
}
