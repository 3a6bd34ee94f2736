using System.Globalization;
using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The <c>kafka://</c> option table, and the settings read from it once, at connect: every default lives in
/// <see cref="Table"/>, a combination librdkafka would reject or ignore fails here (never at the first publish), and the
/// rest becomes librdkafka client configurations. <paramref name="Bootstrap"/> is empty with a mock cluster;
/// <paramref name="KeylessOrdered"/> sends keyless messages to partition 0, in publish order; <paramref name="Client"/>
/// is what every client shares (client id, security, reconnect backoff). Immutable.
/// </summary>
internal sealed record KafkaSettings(
    string Bootstrap, int MockBrokers, bool KeylessOrdered, TimeSpan SessionTimeout, TimeSpan CommitInterval, TimeSpan RevokeWait, int Prefetch, ClientConfig Client, ProducerConfig Producer)
{
    public static readonly DriverOptionTable Table = new(
        "kafka",
        DriverOption.Int32("batchSize", 10_000, 1, 1_000_000, "Producer: most messages per produce request (batch.num.messages)"),
        DriverOption.Duration("linger", TimeSpan.FromMilliseconds(5), TimeSpan.Zero, TimeSpan.FromSeconds(900), "Producer: how long to wait to fill a batch (linger.ms)"),
        DriverOption.Choice("compression", "none", "Producer: compression of record batches", "none", "snappy", "lz4", "zstd", "gzip"),
        DriverOption.Boolean("idempotence", true, "Producer: no duplicates or reordering on retries (enable.idempotence); needs acks=all and maxInFlight at most 5"),
        DriverOption.Int32("maxInFlight", 5, 1, 1_000_000, "Producer: unacknowledged requests per connection"),
        DriverOption.Choice("acks", "all", "Producer: which replicas confirm a publish", "all", "leader", "none"),
        DriverOption.Choice("keyless", "ordered", "Producer: messages without a key go to partition 0 and keep publish order (ordered), or to a sticky random partition (spread)", "ordered", "spread"),
        DriverOption.Text("clientId", "omnibus", "client.id sent to the brokers"),
        DriverOption.Duration("sessionTimeout", TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(300), "Consumer: session.timeout.ms; a rebalance after a crash waits this long"),
        DriverOption.Duration("commitInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(60), "Consumer: how often acknowledged offsets are committed"),
        DriverOption.Duration("revokeWait", TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromSeconds(60), "Consumer: how long a revoked partition waits for its in-flight messages before committing"),
        DriverOption.Int32("prefetch", 1000, 1, ConsumerSpec.MaxPrefetch, "Consumer: records handed ahead to the handlers before fetching pauses; raised to what the subscriptions ask for (ConsumerSpec.Prefetch)"),
        DriverOption.Choice("securityProtocol", null, "plaintext, or sasl_ssl when the connection string has a user name", "plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),
        DriverOption.Choice("saslMechanism", "PLAIN", "SASL mechanism (sasl_plaintext and sasl_ssl only); user and password come from the connection string", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
        DriverOption.Text("sslCaLocation", null, "ssl.ca.location: a CA certificate file (ssl and sasl_ssl only)"),
        DriverOption.Text("sslCertificateLocation", null, "ssl.certificate.location: the client certificate file, with sslKeyLocation (ssl and sasl_ssl only)"),
        DriverOption.Text("sslKeyLocation", null, "ssl.key.location: the client key file, with sslCertificateLocation (ssl and sasl_ssl only)"),
        DriverOption.Secret("sslKeyPassword", "ssl.key.password: the password of sslKeyLocation"),
        DriverOption.Choice("sslEndpointIdentification", "https", "ssl.endpoint.identification.algorithm (ssl and sasl_ssl only)", "https", "none"),
        DriverOption.Int32("mockBrokers", 0, 0, 10, "FOR TESTS ONLY: starts librdkafka's in-process mock cluster with that many brokers (test.mock.num.brokers), private to this driver; the connection string then names no host"));

    private static readonly string[] SslOptions = ["sslCaLocation", "sslCertificateLocation", "sslKeyLocation", "sslKeyPassword", "sslEndpointIdentification"];

    /// <exception cref="OmnibusConfigurationException">A value outside the table, or a combination that cannot be honoured.</exception>
    public static KafkaSettings Parse(ConnectionString cs)
    {
        ArgumentNullException.ThrowIfNull(cs);
        var mock = Table.GetInt32(cs, "mockBrokers");
        var hosts = cs.Hosts(9092);
        if (mock == 0 && hosts.Count == 0)
        {
            throw new OmnibusConfigurationException("host", "The kafka:// connection string names no broker: allowed is 'kafka://host1:9092,host2:9092?options'.");
        }

        var hasUser = cs.UserName is not null;
        Require(cs, mock == 0 || (hosts.Count == 0 && !hasUser && !Table.IsSet(cs, "securityProtocol")), "mockBrokers",
            "the mock cluster listens on its own loopback port, in plaintext, without credentials", "a connection string without host, user or securityProtocol, e.g. 'kafka://?mockBrokers=1'");
        var idempotence = Table.GetBoolean(cs, "idempotence");
        var acks = Enum.Parse<Acks>(Table.GetChoice(cs, "acks")!, ignoreCase: true);
        Require(cs, !idempotence || acks == Acks.All, "acks", "an idempotent producer needs every replica's acknowledgement", "all (or set idempotence=false)");
        var maxInFlight = Table.GetInt32(cs, "maxInFlight");
        Require(cs, !idempotence || maxInFlight <= 5, "maxInFlight", "an idempotent producer keeps order with at most 5 requests in flight", "1 to 5 with idempotence=true (or set idempotence=false)");
        var protocol = Table.GetChoice(cs, "securityProtocol") ?? (hasUser ? "sasl_ssl" : "plaintext");
        var sasl = protocol.StartsWith("sasl", StringComparison.Ordinal);
        Require(cs, !hasUser || sasl, "securityProtocol", "the connection string has a user name, which only SASL sends", "sasl_plaintext or sasl_ssl when the connection string has a user name");
        Require(cs, hasUser || !sasl, "securityProtocol", "SASL needs a user name and password", "plaintext or ssl, or put 'user:password@' in the connection string");
        Require(cs, sasl || !Table.IsSet(cs, "saslMechanism"), "saslMechanism", $"securityProtocol is {protocol}, which does not use SASL", "saslMechanism only with sasl_plaintext or sasl_ssl");
        var ssl = protocol.EndsWith("ssl", StringComparison.Ordinal);
        foreach (var name in SslOptions.Where(n => Table.IsSet(cs, n)))
        {
            Require(cs, ssl, name, $"securityProtocol is {protocol}, which does not use TLS", "TLS options only with securityProtocol ssl or sasl_ssl");
            Require(cs, !name.EndsWith("Location", StringComparison.Ordinal) || File.Exists(cs.Get(name)), name, "the file does not exist", "the path of a readable file");
        }

        var (certificate, key) = (Table.IsSet(cs, "sslCertificateLocation"), Table.IsSet(cs, "sslKeyLocation"));
        Require(cs, certificate == key && (key || !Table.IsSet(cs, "sslKeyPassword")), key ? "sslKeyLocation" : certificate ? "sslCertificateLocation" : "sslKeyPassword",
            "a client certificate needs its key, and a key password needs the key", "sslCertificateLocation and sslKeyLocation together (sslKeyPassword only with them)");
        var client = new ClientConfig
        {
            ClientId = Table.GetText(cs, "clientId"),
            SecurityProtocol = Enum.Parse<SecurityProtocol>(protocol.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true),
            ReconnectBackoffMs = (int)Table.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name).TotalMilliseconds,
            ReconnectBackoffMaxMs = (int)Table.GetDuration(cs, DriverOptionTable.ReconnectMaxDelay.Name).TotalMilliseconds,
        };
        if (sasl)
        {
            client.SaslMechanism = Enum.Parse<SaslMechanism>(Table.GetChoice(cs, "saslMechanism")!.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true);
            client.SaslUsername = cs.UserName;
            client.SaslPassword = cs.Password;
        }

        if (ssl)
        {
            client.SslCaLocation = Table.GetText(cs, "sslCaLocation");
            client.SslCertificateLocation = Table.GetText(cs, "sslCertificateLocation");
            client.SslKeyLocation = Table.GetText(cs, "sslKeyLocation");
            client.SslKeyPassword = Table.GetText(cs, "sslKeyPassword");
            client.SslEndpointIdentificationAlgorithm = Table.GetChoice(cs, "sslEndpointIdentification") == "none" ? SslEndpointIdentificationAlgorithm.None : SslEndpointIdentificationAlgorithm.Https;
        }

        return new KafkaSettings(
            string.Join(',', hosts.Select(h => h.Host + ":" + h.Port.ToString(CultureInfo.InvariantCulture))),
            mock,
            Table.GetChoice(cs, "keyless") == "ordered",
            Table.GetDuration(cs, "sessionTimeout"),
            Table.GetDuration(cs, "commitInterval"),
            Table.GetDuration(cs, "revokeWait"),
            Table.GetInt32(cs, "prefetch"),
            client,
            new ProducerConfig(Copy(client))
            {
                BatchNumMessages = Table.GetInt32(cs, "batchSize"),
                LingerMs = Table.GetDuration(cs, "linger").TotalMilliseconds,
                CompressionType = Enum.Parse<CompressionType>(Table.GetChoice(cs, "compression")!, ignoreCase: true),
                EnableIdempotence = idempotence,
                MaxInFlight = maxInFlight,
                Acks = acks,
                // Kafka's own partitioner (murmur2, as the Java client) on the UTF-8 key; keyless records spread.
                Partitioner = Partitioner.Murmur2Random,
            });
    }

    /// <summary>The settings of one group member; offsets are committed by the driver, explicitly, and only up to the first unacknowledged record.</summary>
    public ConsumerConfig Consumer(string bootstrap, string group, StartPosition startFrom) => new(Copy(Client))
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = startFrom == StartPosition.Latest ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
        SessionTimeoutMs = (int)SessionTimeout.TotalMilliseconds,
        HeartbeatIntervalMs = (int)Math.Max(100, SessionTimeout.TotalMilliseconds / 6),
        AllowAutoCreateTopics = true,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
    };

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"kafka://{Bootstrap} (mockBrokers={MockBrokers})";

    /// <summary>A copy: Confluent's config constructors share the dictionary they are given.</summary>
    private static Dictionary<string, string> Copy(ClientConfig config) => config.ToDictionary(kv => kv.Key, kv => kv.Value);

    private static void Require(ConnectionString cs, bool honoured, string name, string why, string allowed)
    {
        if (!honoured)
        {
            throw new OmnibusConfigurationException(name, $"Option '{name}' = '{(ConnectionString.IsSecretOption(name) ? "***" : cs.Get(name) ?? Table.Find(name)!.Default)}' of the kafka:// driver cannot be honoured: {why}. Allowed is {allowed}.");
        }
    }
}
