using System.Globalization;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// The options of a <c>redis://</c> or <c>rediss://</c> connection string, declared once in <see cref="Table"/> and read
/// into typed settings by <see cref="From"/>, which rejects the combinations the driver cannot honour. Immutable.
/// </summary>
internal sealed record RedisSettings
{
    public const int DefaultPort = 6379;

    public static readonly DriverOptionTable Table = new(
        "redis",
        DriverOption.Int32("database", 0, 0, 65535, "The database number (SELECT); the path of the URL says the same: redis://host:6379/2"),
        DriverOption.Text("prefix", null, "Prepended to every topic to form its stream key (topic orders with prefix app: is the key app:orders); none by default"),
        DriverOption.Int64("maxLen", 0, 0, int.MaxValue, "Retention by length: each XADD trims the stream to about this many entries (MAXLEN); 0 keeps everything"),
        DriverOption.Duration("maxAge", null, TimeSpan.FromSeconds(1), TimeSpan.FromDays(3650), "Retention by age: each XADD trims entries older than this (MINID); unset keeps everything"),
        DriverOption.Choice("trim", "approximate", "How maxLen/maxAge trim: approximate (~, whole radix-tree nodes, cheap) or exact (=)", "approximate", "exact"),
        DriverOption.Duration("claimIdle", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500), TimeSpan.FromHours(12), "An unacknowledged entry nobody touched for this long (its consumer died) is claimed by another consumer of the group; live consumers touch theirs every claimIdle/3"),
        DriverOption.Duration("claimInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), "How often each consumer looks for entries to claim (released by a closed consumer, or idle beyond claimIdle)"),
        DriverOption.Duration("pollMin", TimeSpan.FromMilliseconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(10), "First wait after a read that found nothing; doubles on each empty read up to pollMax"),
        DriverOption.Duration("pollMax", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(60), "Longest wait between two reads of an idle consumer: the latency for entries added by clients that do not send the wake-up"),
        DriverOption.Boolean("wakeUp", true, "Publishers PUBLISH a wake-up on the stream's channel (at most one per millisecond per topic), so idle consumers read at once instead of at their next poll"),
        DriverOption.Int32("prefetch", null, 1, ConsumerSpec.MaxPrefetch, "Entries per XREADGROUP and most unsettled per consumer; default the subscription's (2 x Concurrency, or Concurrency x batch size)"),
        DriverOption.Duration("consumerExpiry", TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(365), "A consumer of the group idle this long with nothing pending (its process died) is deleted from the group"),
        DriverOption.Duration("connectTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "How long connecting may take"),
        DriverOption.Duration("commandTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "How long a command (a publish above all) waits for the server's reply before it fails"),
        DriverOption.Text("clientName", "omnibus", "CLIENT SETNAME of the connection, and the start of every consumer name"),
        DriverOption.Text("tlsServerName", null, "rediss only: the name expected in the server certificate; default the host"),
        DriverOption.Boolean("tlsAcceptAnyCertificate", false, "rediss only: true skips certificate validation (tests only)"));

    private static readonly string[] TlsOptions = ["tlsServerName", "tlsAcceptAnyCertificate"];

    public required string Scheme { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public bool Tls { get; init; }

    public string? TlsServerName { get; init; }

    public bool TlsAcceptAnyCertificate { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }

    public int Database { get; init; }

    public string Prefix { get; init; } = string.Empty;

    public long MaxLen { get; init; }

    public TimeSpan? MaxAge { get; init; }

    public bool ExactTrim { get; init; }

    public TimeSpan ClaimIdle { get; init; }

    public TimeSpan ClaimInterval { get; init; }

    public TimeSpan PollMin { get; init; }

    public TimeSpan PollMax { get; init; }

    public bool WakeUp { get; init; }

    public int? Prefetch { get; init; }

    public TimeSpan ConsumerExpiry { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public TimeSpan CommandTimeout { get; init; }

    public required string ClientName { get; init; }

    public TimeSpan ReconnectDelay { get; init; }

    public TimeSpan ReconnectMaxDelay { get; init; }

    /// <summary>How often a consumer touches the entries it holds, so nobody claims them while it works on them.</summary>
    public TimeSpan LeaseInterval => ClaimIdle / 3;

    /// <summary>Where <c>host</c> and <c>port</c> point, for errors and logs.</summary>
    public string Endpoint => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static RedisSettings From(ConnectionString cs)
    {
        ArgumentNullException.ThrowIfNull(cs);
        var tls = cs.Scheme == "rediss";
        if (!tls && TlsOptions.FirstOrDefault(o => Table.IsSet(cs, o)) is { } tlsOption)
        {
            throw cs.Invalid(tlsOption, cs.Get(tlsOption)!, "nothing on redis://: TLS options apply only to rediss://");
        }

        var (host, port, pathDatabase) = ParseLocation(cs);
        var database = Table.IsSet(cs, "database") ? Table.GetInt32(cs, "database") : (int?)null;
        if (database is not null && pathDatabase is not null && database != pathDatabase)
        {
            throw cs.Invalid("database", cs.Get("database")!, $"the database of the URL path (/{pathDatabase.Value.ToString(CultureInfo.InvariantCulture)}), or no path: give it once");
        }

        var maxLen = Table.GetInt64(cs, "maxLen");
        if (maxLen > 0 && Table.IsSet(cs, "maxAge"))
        {
            throw cs.Invalid("maxAge", cs.Get("maxAge")!, "unset when maxLen is set: a stream is trimmed by length or by age, not both (XADD takes one of MAXLEN and MINID)");
        }

        if (Table.IsSet(cs, "trim") && maxLen == 0 && !Table.IsSet(cs, "maxAge"))
        {
            throw cs.Invalid("trim", cs.Get("trim")!, "unset without maxLen or maxAge: there is no trimming to tune");
        }

        var pollMin = Table.GetDuration(cs, "pollMin");
        var pollMax = Table.GetDuration(cs, "pollMax");
        if (pollMin > pollMax)
        {
            throw cs.Invalid("pollMin", cs.Get("pollMin") ?? Table.Find("pollMin")!.Default!, $"at most pollMax ({pollMax.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms)");
        }

        var prefix = Table.GetText(cs, "prefix") ?? string.Empty;
        if (prefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw cs.Invalid("prefix", prefix, "text without spaces or control characters");
        }

        var clientName = Table.GetText(cs, "clientName")!;
        if (clientName.Length == 0 || clientName.Any(c => c <= ' ' || c > '~'))
        {
            throw cs.Invalid("clientName", clientName, "1 or more printable ASCII characters without spaces (CLIENT SETNAME)");
        }

        var serverName = Table.GetText(cs, "tlsServerName");
        if (serverName is { Length: 0 })
        {
            throw cs.Invalid("tlsServerName", serverName, "a host name");
        }

        return new RedisSettings
        {
            Scheme = cs.Scheme,
            Host = host,
            Port = port,
            Tls = tls,
            TlsServerName = serverName,
            TlsAcceptAnyCertificate = Table.GetBoolean(cs, "tlsAcceptAnyCertificate"),
            User = cs.UserName is { Length: > 0 } user ? user : null,
            Password = cs.Password,
            Database = database ?? pathDatabase ?? 0,
            Prefix = prefix,
            MaxLen = maxLen,
            MaxAge = Table.IsSet(cs, "maxAge") ? Table.GetDuration(cs, "maxAge") : null,
            ExactTrim = Table.GetChoice(cs, "trim") == "exact",
            ClaimIdle = Table.GetDuration(cs, "claimIdle"),
            ClaimInterval = Table.GetDuration(cs, "claimInterval"),
            PollMin = pollMin,
            PollMax = pollMax,
            WakeUp = Table.GetBoolean(cs, "wakeUp"),
            Prefetch = Table.GetInt32OrNull(cs, "prefetch"),
            ConsumerExpiry = Table.GetDuration(cs, "consumerExpiry"),
            ConnectTimeout = Table.GetDuration(cs, "connectTimeout"),
            CommandTimeout = Table.GetDuration(cs, "commandTimeout"),
            ClientName = clientName,
            ReconnectDelay = Table.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name),
            ReconnectMaxDelay = Table.GetDuration(cs, DriverOptionTable.ReconnectMaxDelay.Name),
        };
    }

    /// <summary>The client configuration: one endpoint, commands failing fast while disconnected, reconnecting with the table's backoff.</summary>
    public ConfigurationOptions ToConfiguration()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            ClientName = ClientName,
            ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds,
            SyncTimeout = (int)CommandTimeout.TotalMilliseconds,
            AsyncTimeout = (int)CommandTimeout.TotalMilliseconds,
            ConnectRetry = 1,
            DefaultDatabase = Database,
            User = User,
            Password = Password,
            Ssl = Tls,
            SslHost = Tls ? TlsServerName ?? Host : null,
            // Commands issued while the connection is down fail at once (the core and the publisher retry with
            // backoff) instead of queueing for the command timeout.
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry((int)ReconnectDelay.TotalMilliseconds, (int)Math.Max(ReconnectDelay.TotalMilliseconds, ReconnectMaxDelay.TotalMilliseconds)),
        };
        options.EndPoints.Add(Host, Port);
        if (Tls && TlsAcceptAnyCertificate)
        {
            options.CertificateValidation += (_, _, _, _) => true;
        }

        return options;
    }

    private static (string Host, int Port, int? Database) ParseLocation(ConnectionString cs)
    {
        var location = cs.Location;
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        int? database = null;
        if (slash >= 0)
        {
            var path = location[(slash + 1)..];
            if (path.Length > 0)
            {
                database = int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 65535
                    ? n
                    : throw new OmnibusConfigurationException("database", $"The path '/{path}' of the {cs.Scheme} connection string is not a database number: allowed is /0 to /65535, e.g. '{cs.Scheme}://host:6379/2'.");
            }
        }

        var hosts = cs.Hosts(DefaultPort);
        if (hosts.Count == 0)
        {
            throw new OmnibusConfigurationException("host", $"The {cs.Scheme} connection string names no host: allowed is '{cs.Scheme}://[user:password@]host[:port][/database]'.");
        }

        if (hosts.Count > 1)
        {
            throw new OmnibusConfigurationException("host", $"The {cs.Scheme} connection string names {hosts.Count.ToString(CultureInfo.InvariantCulture)} hosts: allowed is one standalone server (Redis Cluster and Sentinel are not supported by the {cs.Scheme}:// driver).");
        }

        return (hosts[0].Host, hosts[0].Port, database);
    }
}
