using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>The option table of <c>amqp://</c> and the typed settings of one connection string read from it. Immutable.</summary>
internal sealed record RabbitMqSettings
{
    /// <summary>Every option, its default and its range: the only place they are written.</summary>
    public static DriverOptionTable Table { get; } = new(
        "amqp",
        DriverOption.Int32("prefetch", null, 1, ushort.MaxValue, "Unacknowledged messages per consumer (basic.qos); unset: the core's prefetch for the subscription (2 × Concurrency, Concurrency × Batch.MaxSize for a batch handler)"),
        DriverOption.Duration("heartbeat", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10), "AMQP heartbeat: 0 (off) or 1s and more"),
        DriverOption.Text("connectionName", "omnibus", "The connection's name in the management UI"),
        DriverOption.Duration("publishTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), "How long a publish waits for the broker's confirm"),
        DriverOption.Text("tlsServerName", null, "amqps only: the name expected in the server certificate (unset: the host)"),
        DriverOption.Boolean("tlsAcceptAnyCertificate", false, "amqps only: skip certificate validation (tests only)"),
        DriverOption.Text("tlsCaCertificate", null, "amqps only: the PEM file of the CA that issued the server certificate, trusted instead of the machine's trust store (unset: the machine's trust store)"),
        DriverOption.Text("management", null, "The management plugin's HTTP API, read by the admin and backlog: its base URL ('http://host:15672', a path prefix allowed, no credentials: the connection's user and password are used) or 'auto' (http://<first host>:15672; https://<first host>:15671 on amqps). Unset: topics and groups are only those this process touched (plain AMQP cannot list)"));

    /// <summary>The management API's port that <c>management=auto</c> assumes: the plugin's default.</summary>
    public const int ManagementPort = 15672;

    /// <summary>As <see cref="ManagementPort"/>, on amqps (the plugin's conventional TLS port).</summary>
    public const int ManagementTlsPort = 15671;

    public required string Scheme { get; init; }

    public required IReadOnlyList<AmqpTcpEndpoint> Endpoints { get; init; }

    public required string VirtualHost { get; init; }

    public string? UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>The <c>prefetch</c> option, or null to use the core's.</summary>
    public int? Prefetch { get; init; }

    public TimeSpan Heartbeat { get; init; }

    public required string ConnectionName { get; init; }

    /// <summary>The client's fixed wait between connection recovery attempts: <c>reconnectDelay</c>.</summary>
    public TimeSpan RecoveryInterval { get; init; }

    public TimeSpan PublishTimeout { get; init; }

    /// <summary>The server certificate check of amqps://, which says why it refused; null on amqp://.</summary>
    public TlsValidation? Tls { get; init; }

    /// <summary>The management API's base URL (ending in '/'), or null to answer admin questions over plain AMQP.</summary>
    public Uri? Management { get; init; }

    /// <summary>Reads <paramref name="cs"/> (names and ranges already checked against <see cref="Table"/>); rejects what amqp:// cannot honour.</summary>
    public static RabbitMqSettings Parse(ConnectionString cs)
    {
        var tls = cs.Scheme == "amqps";
        if (!tls && new[] { "tlsServerName", "tlsAcceptAnyCertificate", "tlsCaCertificate" }.FirstOrDefault(name => Table.IsSet(cs, name)) is { } tlsOption)
        {
            throw cs.Invalid(tlsOption, cs.Get(tlsOption)!, "nothing on amqp://: TLS options apply only to amqps://");
        }

        var serverName = Table.GetText(cs, "tlsServerName");
        if (serverName is { Length: 0 })
        {
            throw cs.Invalid("tlsServerName", serverName, "a host name");
        }

        var heartbeat = Table.GetDuration(cs, "heartbeat");
        if (heartbeat > TimeSpan.Zero && heartbeat < TimeSpan.FromSeconds(1))
        {
            throw cs.Invalid("heartbeat", cs.Get("heartbeat")!, "0 (off) or a duration from 1s to 10m");
        }

        var connectionName = Table.GetText(cs, "connectionName")!;
        if (string.IsNullOrWhiteSpace(connectionName))
        {
            throw cs.Invalid("connectionName", connectionName, "a non-empty name");
        }

        var hosts = cs.Hosts(tls ? 5671 : 5672);
        if (hosts.Count == 0)
        {
            throw new OmnibusConfigurationException("host", $"The {cs.Scheme} connection string names no host: allowed is '{cs.Scheme}://user:password@host:port/vhost'.");
        }

        var acceptAny = Table.GetBoolean(cs, "tlsAcceptAnyCertificate");
        var authorityFile = Table.GetText(cs, "tlsCaCertificate");
        if (acceptAny && authorityFile is not null)
        {
            throw cs.Invalid("tlsCaCertificate", authorityFile, "tlsCaCertificate or tlsAcceptAnyCertificate=true, not both (accepting any certificate trusts no CA in particular)");
        }

        var validation = new TlsValidation(authorityFile is null ? null : TlsValidation.LoadAuthority(authorityFile), acceptAny);
        var management = ManagementUrl(cs, tls, hosts[0].Host);
        var slash = cs.Location.IndexOf('/', StringComparison.Ordinal);
        return new RabbitMqSettings
        {
            Scheme = cs.Scheme,
            Endpoints = hosts.Select(h => new AmqpTcpEndpoint(h.Host, h.Port, Ssl(tls, serverName ?? h.Host, acceptAny, validation))).ToList(),
            Tls = tls ? validation : null,
            VirtualHost = slash < 0 || slash == cs.Location.Length - 1 ? "/" : Uri.UnescapeDataString(cs.Location[(slash + 1)..]),
            UserName = cs.UserName,
            Password = cs.Password,
            Prefetch = Table.GetInt32OrNull(cs, "prefetch"),
            Heartbeat = heartbeat,
            ConnectionName = connectionName,
            RecoveryInterval = Table.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name),
            PublishTimeout = Table.GetDuration(cs, "publishTimeout"),
            Management = management,
        };
    }

    public ConnectionFactory CreateFactory()
    {
        // The client recovers the connection and its channels; consumers are not recovered by it (topology recovery
        // off): a consumer whose channel went down ends its source, and the core opens a new one.
        var factory = new ConnectionFactory
        {
            VirtualHost = VirtualHost,
            ClientProvidedName = ConnectionName,
            RequestedHeartbeat = Heartbeat,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = false,
            NetworkRecoveryInterval = RecoveryInterval,
        };
        if (UserName is not null)
        {
            factory.UserName = UserName;
            factory.Password = Password ?? string.Empty;
        }

        return factory;
    }

    /// <summary>The <c>management</c> option as a base URL ending in '/', or null when unset.</summary>
    private static Uri? ManagementUrl(ConnectionString cs, bool tls, string firstHost)
    {
        var raw = Table.GetText(cs, "management");
        if (raw is null)
        {
            return null;
        }

        if (string.Equals(raw, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return new UriBuilder(tls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, firstHost, tls ? ManagementTlsPort : ManagementPort).Uri;
        }

        const string Allowed = "'auto' or the management API's base URL, http://host:port or https://host:port with an optional path prefix, without credentials, query or fragment";
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw cs.Invalid("management", raw, Allowed);
        }

        if (url.UserInfo.Length > 0)
        {
            // The value is not quoted: it holds a password, and connection strings and their errors get logged.
            throw new OmnibusConfigurationException("management", $"Option 'management' of the {cs.Scheme} connection string holds credentials: allowed is {Allowed}. The management API is asked as the connection's own user, with its password.");
        }

        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            throw cs.Invalid("management", raw, Allowed);
        }

        // A trailing '/' so that 'api/...' resolves below a path prefix instead of replacing its last segment.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    /// <summary>The reader of the management API, as the connection's user (guest/guest when it names none, as AMQP), or null when <see cref="Management"/> is unset.</summary>
    public ManagementApi? CreateManagementApi() =>
        Management is { } url ? new ManagementApi(url, VirtualHost, UserName ?? "guest", UserName is null ? "guest" : Password ?? string.Empty) : null;

    private static SslOption Ssl(bool enabled, string serverName, bool acceptAny, TlsValidation validation) => new()
    {
        Enabled = enabled,
        ServerName = serverName,
        CertificateValidationCallback = validation.Validate,
        AcceptablePolicyErrors = acceptAny
            ? System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors | System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch
              | System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable
            : System.Net.Security.SslPolicyErrors.None,
    };
}
