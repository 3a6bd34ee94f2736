using System.Globalization;
using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The <c>kafka://</c> connection string, validated once: every option is checked here, with an error that names the
/// option, its value and what is allowed, and then turned into librdkafka client configurations. Immutable.
/// </summary>
internal sealed record KafkaOptions
{
    public const string MockBrokersOption = "mockBrokers";

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["batchSize"] = "producer: most messages per produce request (batch.num.messages), 1 to 1000000, default 10000",
        ["linger"] = "producer: how long to wait to fill a batch (linger.ms), 0ms to 900s, default 5ms",
        ["compression"] = "producer: none, snappy, lz4, zstd or gzip, default none",
        ["idempotence"] = "producer: true or false (enable.idempotence: no duplicates or reordering on retries), default true",
        ["maxInFlight"] = "producer: unacknowledged requests per connection, 1 to 1000000 (at most 5 with idempotence), default 5",
        ["acks"] = "producer: all, leader or none, default all (idempotence needs all)",
        ["keyless"] = "producer: where messages without a key go: ordered (partition 0, so they keep publish order, consumed by one member per group) or spread (sticky random partition, no order), default ordered",
        ["clientId"] = "client.id sent to the brokers, default omnibus",
        ["sessionTimeout"] = "consumer: session.timeout.ms, 6s to 300s, default 45s (a rebalance after a crash waits this long)",
        ["commitInterval"] = "consumer: how often acknowledged offsets are committed, 10ms to 60s, default 1s",
        ["revokeWait"] = "consumer: how long a revoked partition waits for its in-flight messages before committing, 0ms to 60s, default 2s",
        ["prefetch"] = "consumer: records fetched ahead of the handlers per consumer before fetching pauses, 1 to 100000, default 1000",
        ["securityProtocol"] = "plaintext, ssl, sasl_plaintext or sasl_ssl, default plaintext (sasl_ssl when the connection string has credentials)",
        ["saslMechanism"] = "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, default PLAIN; user and password come from the connection string",
        ["sslCaLocation"] = "ssl.ca.location: a CA certificate file",
        ["sslCertificateLocation"] = "ssl.certificate.location: the client certificate file",
        ["sslKeyLocation"] = "ssl.key.location: the client key file",
        ["sslKeyPassword"] = "ssl.key.password",
        ["sslEndpointIdentification"] = "https or none (ssl.endpoint.identification.algorithm), default https",
        [MockBrokersOption] = "FOR TESTS ONLY: 1 to 10 starts librdkafka's in-process mock cluster with that many brokers (test.mock.num.brokers), private to this driver; the host part is ignored; default 0 (off)",
    };

    public required string BootstrapServers { get; init; }

    public int MockBrokers { get; init; }

    public int BatchSize { get; init; } = 10_000;

    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    public CompressionType Compression { get; init; } = CompressionType.None;

    public bool Idempotence { get; init; } = true;

    public int MaxInFlight { get; init; } = 5;

    public Acks Acks { get; init; } = Acks.All;

    public string ClientId { get; init; } = "omnibus";

    /// <summary>Messages without a key go to partition 0, which keeps them in publish order (Kafka orders per partition only).</summary>
    public bool KeylessOrdered { get; init; } = true;

    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(45);

    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RevokeWait { get; init; } = TimeSpan.FromSeconds(2);

    public int Prefetch { get; init; } = 1000;

    public SecurityProtocol SecurityProtocol { get; init; } = SecurityProtocol.Plaintext;

    public SaslMechanism SaslMechanism { get; init; } = SaslMechanism.Plain;

    public string? UserName { get; init; }

    public string? Password { get; init; }

    public string? SslCaLocation { get; init; }

    public string? SslCertificateLocation { get; init; }

    public string? SslKeyLocation { get; init; }

    public string? SslKeyPassword { get; init; }

    public SslEndpointIdentificationAlgorithm SslEndpointIdentification { get; init; } = SslEndpointIdentificationAlgorithm.Https;

    public static KafkaOptions Parse(ConnectionString cs)
    {
        var mock = cs.GetInt32(MockBrokersOption, 0, 0, 10);
        var hosts = cs.Hosts(9092);
        if (mock == 0 && hosts.Count == 0)
        {
            throw new OmnibusConfigurationException("host", "The kafka connection string names no broker: allowed is 'kafka://host1:9092,host2:9092?options'.");
        }

        var idempotence = cs.GetBoolean("idempotence", true);
        var acks = cs.GetChoice("acks", "all", "all", "leader", "none") switch
        {
            "leader" => Acks.Leader,
            "none" => Acks.None,
            _ => Acks.All,
        };
        var maxInFlight = cs.GetInt32("maxInFlight", 5, 1, 1_000_000);
        if (idempotence && acks != Acks.All)
        {
            throw new OmnibusConfigurationException("acks", $"Option 'acks' = '{cs.Get("acks")}' of the kafka connection string is invalid with idempotence=true: allowed is all (or set idempotence=false).");
        }

        if (idempotence && maxInFlight > 5)
        {
            throw cs.Invalid("maxInFlight", cs.Get("maxInFlight")!, "1 to 5 with idempotence=true (or set idempotence=false)");
        }

        var hasCredentials = cs.UserName is not null;
        var protocol = cs.GetChoice("securityProtocol", hasCredentials ? "sasl_ssl" : "plaintext", "plaintext", "ssl", "sasl_plaintext", "sasl_ssl") switch
        {
            "ssl" => SecurityProtocol.Ssl,
            "sasl_plaintext" => SecurityProtocol.SaslPlaintext,
            "sasl_ssl" => SecurityProtocol.SaslSsl,
            _ => SecurityProtocol.Plaintext,
        };
        if (hasCredentials && protocol is SecurityProtocol.Plaintext or SecurityProtocol.Ssl)
        {
            throw cs.Invalid("securityProtocol", cs.Get("securityProtocol")!, "sasl_plaintext or sasl_ssl when the connection string has a user name");
        }

        return new KafkaOptions
        {
            BootstrapServers = string.Join(',', hosts.Select(h => h.Host + ":" + h.Port.ToString(CultureInfo.InvariantCulture))),
            MockBrokers = mock,
            BatchSize = cs.GetInt32("batchSize", 10_000, 1, 1_000_000),
            Linger = cs.GetDuration("linger", TimeSpan.FromMilliseconds(5), TimeSpan.Zero, TimeSpan.FromSeconds(900)),
            Compression = cs.GetChoice("compression", "none", "none", "snappy", "lz4", "zstd", "gzip") switch
            {
                "snappy" => CompressionType.Snappy,
                "lz4" => CompressionType.Lz4,
                "zstd" => CompressionType.Zstd,
                "gzip" => CompressionType.Gzip,
                _ => CompressionType.None,
            },
            Idempotence = idempotence,
            MaxInFlight = maxInFlight,
            Acks = acks,
            KeylessOrdered = cs.GetChoice("keyless", "ordered", "ordered", "spread") == "ordered",
            ClientId = cs.Get("clientId") is { Length: > 0 } id ? id : "omnibus",
            SessionTimeout = cs.GetDuration("sessionTimeout", TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(300)),
            CommitInterval = cs.GetDuration("commitInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(60)),
            RevokeWait = cs.GetDuration("revokeWait", TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromSeconds(60)),
            Prefetch = cs.GetInt32("prefetch", 1000, 1, 100_000),
            SecurityProtocol = protocol,
            SaslMechanism = cs.GetChoice("saslMechanism", "PLAIN", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512") switch
            {
                "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
                "SCRAM-SHA-512" => SaslMechanism.ScramSha512,
                _ => SaslMechanism.Plain,
            },
            UserName = cs.UserName,
            Password = cs.Password,
            SslCaLocation = cs.Get("sslCaLocation"),
            SslCertificateLocation = cs.Get("sslCertificateLocation"),
            SslKeyLocation = cs.Get("sslKeyLocation"),
            SslKeyPassword = cs.Get("sslKeyPassword"),
            SslEndpointIdentification = cs.GetChoice("sslEndpointIdentification", "https", "https", "none") == "none"
                ? SslEndpointIdentificationAlgorithm.None
                : SslEndpointIdentificationAlgorithm.Https,
        };
    }

    public ProducerConfig ProducerConfig(string bootstrapServers)
    {
        var config = new ProducerConfig
        {
            BatchNumMessages = BatchSize,
            LingerMs = Linger.TotalMilliseconds,
            CompressionType = Compression,
            EnableIdempotence = Idempotence,
            MaxInFlight = MaxInFlight,
            Acks = Acks,
            // Kafka's own partitioner (murmur2, as the Java client) on the UTF-8 key; keyless records spread.
            Partitioner = Partitioner.Murmur2Random,
        };
        Common(config, bootstrapServers);
        return config;
    }

    public ConsumerConfig ConsumerConfig(string bootstrapServers, string group, StartPosition startFrom)
    {
        var config = new ConsumerConfig
        {
            GroupId = group,
            // Offsets are committed by the driver, explicitly, and only up to the first unacknowledged record.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = startFrom == StartPosition.Latest ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
            SessionTimeoutMs = (int)SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, SessionTimeout.TotalMilliseconds / 6),
            AllowAutoCreateTopics = true,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
        };
        Common(config, bootstrapServers);
        return config;
    }

    private void Common(ClientConfig config, string bootstrapServers)
    {
        config.BootstrapServers = bootstrapServers;
        config.ClientId = ClientId;
        config.SecurityProtocol = SecurityProtocol;
        if (SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            config.SaslMechanism = SaslMechanism;
            config.SaslUsername = UserName;
            config.SaslPassword = Password;
        }

        config.SslCaLocation = SslCaLocation;
        config.SslCertificateLocation = SslCertificateLocation;
        config.SslKeyLocation = SslKeyLocation;
        config.SslKeyPassword = SslKeyPassword;
        config.SslEndpointIdentificationAlgorithm = SslEndpointIdentification;
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"kafka://{BootstrapServers} (mockBrokers={MockBrokers})";
}
