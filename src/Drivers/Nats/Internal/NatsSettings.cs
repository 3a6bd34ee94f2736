using NATS.Client.Core;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>Where the driver's streams are stored on the server.</summary>
internal enum StreamStorage
{
    File,
    Memory,
}

/// <summary>
/// The <c>nats://</c> option table and the typed settings read from one connection string, checked once at connect:
/// combinations the driver cannot honour fail here with the option, the value and what is allowed. Immutable.
/// </summary>
internal sealed record NatsSettings
{
    public const string Scheme = "nats";
    public const int DefaultPort = 4222;

    /// <summary>Characters a stream name may not hold (nats-server rejects them).</summary>
    private static readonly char[] ForbiddenInStreamNames = ['.', '*', '>', ' ', '\t', '\r', '\n', '/', '\\'];

    public static DriverOptionTable Table { get; } = new(
        Scheme,
        DriverOption.Secret("token", "Authenticate with this token (instead of user:password@ in the URL, creds or nkey)"),
        DriverOption.Text("creds", null, "Authenticate with this credentials file (JWT and NKey seed, as `nsc` writes it)"),
        DriverOption.Text("nkey", null, "Authenticate with the NKey seed in this file"),
        DriverOption.Boolean("tls", false, "Connect with TLS (required by the server)"),
        DriverOption.Text("tlsCa", null, "PEM file of the certificate authority that signed the server's certificate; needs tls=true"),
        DriverOption.Text("tlsCert", null, "PEM client certificate for mutual TLS, with tlsKey; needs tls=true"),
        DriverOption.Text("tlsKey", null, "PEM private key of tlsCert; needs tls=true"),
        DriverOption.Boolean("tlsInsecure", false, "Accept any server certificate (tests only); needs tls=true"),
        DriverOption.Text("name", "omnibus", "Client connection name the server shows (monitoring, logs)"),
        DriverOption.Duration("connectTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "Longest wait for the TCP and NATS handshake"),
        DriverOption.Duration("requestTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "Longest wait for a PubAck or a JetStream API reply; a publish that gets none fails with PublishException"),
        DriverOption.Boolean("createStreams", true, "Create a stream for a topic whose subject no existing stream covers; false: only operators' streams are used and a topic without one is an error"),
        DriverOption.Text("streamPrefix", "OMNIBUS_", "Name prefix of the streams the driver creates (one per topic)"),
        DriverOption.Choice("storage", "file", "Storage of the streams the driver creates", "file", "memory"),
        DriverOption.Int32("replicas", 1, 1, 5, "Replicas of the streams the driver creates (a clustered server needs as many nodes)"),
        DriverOption.Duration("maxAge", null, TimeSpan.FromSeconds(1), TimeSpan.FromDays(36_500), "Age after which the streams the driver creates discard a message (default: kept until deleted)"),
        DriverOption.Duration("duplicateWindow", TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(7), "How long the streams the driver creates remember a Nats-Msg-Id (IdempotencyId) to drop a republish"),
        DriverOption.Duration("ackWait", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromHours(12), "Lease of a delivery on a new group's consumer: redelivered if neither settled nor extended (in-progress ack) within it"),
        DriverOption.Int32("maxAckPending", 10_000, 1, 1_000_000, "Unacknowledged messages a new group's consumer hands out at most, over all its members"),
        DriverOption.Int32("prefetch", null, 1, ConsumerSpec.MaxPrefetch, "Messages one member pulls per request and buffers (default: the core's prefetch, 2 x concurrency)"),
        DriverOption.Duration("pullExpires", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), "How long one pull request waits on the server for messages; a closed member drains its last one for up to this long"),
        DriverOption.Int32("publishWindow", 1_000, 1, 100_000, "PubAcks a batch publish waits for at once (pipelining)"));

    public required IReadOnlyList<(string Host, int Port)> Hosts { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    public string? CredsFile { get; init; }

    public string? NKeyFile { get; init; }

    public bool Tls { get; init; }

    public string? TlsCa { get; init; }

    public string? TlsCert { get; init; }

    public string? TlsKey { get; init; }

    public bool TlsInsecure { get; init; }

    public required string ClientName { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public TimeSpan RequestTimeout { get; init; }

    public bool CreateStreams { get; init; }

    public required string StreamPrefix { get; init; }

    public StreamStorage Storage { get; init; }

    public int Replicas { get; init; }

    public TimeSpan? MaxAge { get; init; }

    public TimeSpan DuplicateWindow { get; init; }

    public TimeSpan AckWait { get; init; }

    public int MaxAckPending { get; init; }

    public int? Prefetch { get; init; }

    public TimeSpan PullExpires { get; init; }

    public int PublishWindow { get; init; }

    public TimeSpan ReconnectDelay { get; init; }

    public TimeSpan ReconnectMaxDelay { get; init; }

    /// <summary>The servers as NATS.Net takes them.</summary>
    public string Url => string.Join(',', Hosts.Select(h => $"{(Tls ? "tls" : "nats")}://{h.Host}:{h.Port}"));

    /// <summary>Reads and checks <paramref name="cs"/> (names and values were checked against <see cref="Table"/> already).</summary>
    /// <exception cref="OmnibusConfigurationException">A combination the driver cannot honour.</exception>
    public static NatsSettings Parse(ConnectionString cs)
    {
        ArgumentNullException.ThrowIfNull(cs);
        var t = Table;
        var location = cs.Location;
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && slash < location.Length - 1)
        {
            throw new OmnibusConfigurationException("location", $"'{location}' of the nats:// connection string has a path ('{location[slash..]}'): allowed is 'nats://[user:password@]host[:port][,host[:port]...][?options]'.");
        }

        var hosts = cs.Hosts(DefaultPort);
        if (hosts.Count == 0)
        {
            hosts = [("127.0.0.1", DefaultPort)];
        }

        var settings = new NatsSettings
        {
            Hosts = hosts,
            User = cs.UserName,
            Password = cs.Password,
            Token = t.GetText(cs, "token"),
            CredsFile = t.GetText(cs, "creds"),
            NKeyFile = t.GetText(cs, "nkey"),
            Tls = t.GetBoolean(cs, "tls"),
            TlsCa = t.GetText(cs, "tlsCa"),
            TlsCert = t.GetText(cs, "tlsCert"),
            TlsKey = t.GetText(cs, "tlsKey"),
            TlsInsecure = t.GetBoolean(cs, "tlsInsecure"),
            ClientName = t.GetText(cs, "name")!,
            ConnectTimeout = t.GetDuration(cs, "connectTimeout"),
            RequestTimeout = t.GetDuration(cs, "requestTimeout"),
            CreateStreams = t.GetBoolean(cs, "createStreams"),
            StreamPrefix = t.GetText(cs, "streamPrefix")!,
            Storage = t.GetChoice(cs, "storage") == "memory" ? StreamStorage.Memory : StreamStorage.File,
            Replicas = t.GetInt32(cs, "replicas"),
            MaxAge = t.IsSet(cs, "maxAge") ? t.GetDuration(cs, "maxAge") : null,
            DuplicateWindow = t.GetDuration(cs, "duplicateWindow"),
            AckWait = t.GetDuration(cs, "ackWait"),
            MaxAckPending = t.GetInt32(cs, "maxAckPending"),
            Prefetch = t.GetInt32OrNull(cs, "prefetch"),
            PullExpires = t.GetDuration(cs, "pullExpires"),
            PublishWindow = t.GetInt32(cs, "publishWindow"),
            ReconnectDelay = t.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name),
            ReconnectMaxDelay = t.GetDuration(cs, DriverOptionTable.ReconnectMaxDelay.Name),
        };
        settings.Check();
        return settings;
    }

    /// <summary>The client options of the connection.</summary>
    public NatsOpts ToNatsOpts(Microsoft.Extensions.Logging.ILoggerFactory loggerFactory) => NatsOpts.Default with
    {
        Url = Url,
        Name = ClientName,
        LoggerFactory = loggerFactory,
        ConnectTimeout = ConnectTimeout,
        RequestTimeout = RequestTimeout,
        CommandTimeout = RequestTimeout,
        ReconnectWaitMin = ReconnectDelay,
        ReconnectWaitMax = ReconnectMaxDelay < ReconnectDelay ? ReconnectDelay : ReconnectMaxDelay,
        MaxReconnectRetry = -1,
        RetryOnInitialConnect = false,
        AuthOpts = NatsAuthOpts.Default with
        {
            Username = User,
            Password = Password,
            Token = Token,
            CredsFile = CredsFile,
            NKeyFile = NKeyFile,
        },
        TlsOpts = Tls
            ? NatsTlsOpts.Default with { Mode = TlsMode.Require, CaFile = TlsCa, CertFile = TlsCert, KeyFile = TlsKey, InsecureSkipVerify = TlsInsecure }
            : NatsTlsOpts.Default with { Mode = TlsMode.Disable },
    };

    private void Check()
    {
        if (User is not null && string.IsNullOrEmpty(Password))
        {
            throw new OmnibusConfigurationException("password", $"The nats:// connection string names user '{User}' without a password: allowed is 'nats://user:password@host'.");
        }

        var methods = new[] { (User is not null, "user:password@"), (Token is not null, "token"), (CredsFile is not null, "creds"), (NKeyFile is not null, "nkey") }
            .Where(m => m.Item1).Select(m => m.Item2).ToList();
        if (methods.Count > 1)
        {
            throw new OmnibusConfigurationException(methods[1], $"The nats:// connection string sets {string.Join(" and ", methods)}: allowed is one way of authenticating.");
        }

        RequireFile("creds", CredsFile);
        RequireFile("nkey", NKeyFile);
        foreach (var (name, set) in new[] { ("tlsCa", TlsCa is not null), ("tlsCert", TlsCert is not null), ("tlsKey", TlsKey is not null), ("tlsInsecure", TlsInsecure) })
        {
            if (set && !Tls)
            {
                throw new OmnibusConfigurationException(name, $"Option '{name}' of the nats:// driver needs TLS, which is off: allowed is '{name}' together with tls=true.");
            }
        }

        if ((TlsCert is null) != (TlsKey is null))
        {
            var given = TlsCert is null ? "tlsKey" : "tlsCert";
            throw new OmnibusConfigurationException(given, $"Option '{given}' of the nats:// driver is set without its pair: allowed is tlsCert and tlsKey together, or neither.");
        }

        RequireFile("tlsCa", TlsCa);
        RequireFile("tlsCert", TlsCert);
        RequireFile("tlsKey", TlsKey);
        if (StreamPrefix.IndexOfAny(ForbiddenInStreamNames) >= 0)
        {
            throw new OmnibusConfigurationException("streamPrefix", $"Option 'streamPrefix' = '{StreamPrefix}' of the nats:// driver is invalid: allowed is text without '.', '*', '>', '/', '\\' or whitespace (JetStream stream names).");
        }

        if (MaxAge is { } age && DuplicateWindow > age)
        {
            throw new OmnibusConfigurationException("duplicateWindow", $"Option 'duplicateWindow' = '{DuplicateWindow}' of the nats:// driver is longer than maxAge = '{age}': allowed is a duplicate window no longer than maxAge.");
        }
    }

    private static void RequireFile(string option, string? path)
    {
        if (path is not null && !File.Exists(path))
        {
            throw new OmnibusConfigurationException(option, $"Option '{option}' = '{path}' of the nats:// driver names no file: allowed is the path of an existing file.");
        }
    }
}
