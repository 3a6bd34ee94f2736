using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>The validated settings of one <c>amqp://</c> connection string. Immutable.</summary>
internal sealed record RabbitMqSettings
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["prefetch"] = "unacknowledged messages per consumer, 1 to 65535; default: the subscription's Concurrency (times Batch.MaxSize for batch options other than the default)",
        ["heartbeat"] = "AMQP heartbeat, 0 (off) or 1s to 10m, default 30s",
        ["connectionName"] = "the name shown in the management UI, default 'omnibus'",
        ["recoveryInterval"] = "wait between reconnection attempts after a broker outage, 100ms to 5m, default 2s",
        ["publishTimeout"] = "how long a publish waits for the broker's confirm, 1s to 10m, default 30s",
        ["tlsServerName"] = "amqps only: the name expected in the server certificate, default the host",
        ["tlsAcceptAnyCertificate"] = "amqps only: true to skip certificate validation (tests only), default false",
    };

    public required IReadOnlyList<AmqpTcpEndpoint> Endpoints { get; init; }

    public required string VirtualHost { get; init; }

    public string? UserName { get; init; }

    public string? Password { get; init; }

    public int Prefetch { get; init; }

    public TimeSpan Heartbeat { get; init; }

    public required string ConnectionName { get; init; }

    public TimeSpan RecoveryInterval { get; init; }

    public TimeSpan PublishTimeout { get; init; }

    public required string Scheme { get; init; }

    public static RabbitMqSettings Parse(ConnectionString cs)
    {
        var tls = cs.Scheme == "amqps";
        if (!tls)
        {
            foreach (var name in new[] { "tlsServerName", "tlsAcceptAnyCertificate" })
            {
                if (cs.Get(name) is { } value)
                {
                    throw cs.Invalid(name, value, "nothing on amqp://: TLS options apply only to amqps://");
                }
            }
        }

        var serverName = cs.Get("tlsServerName");
        if (serverName is { Length: 0 })
        {
            throw cs.Invalid("tlsServerName", serverName, "a host name");
        }

        var acceptAny = cs.GetBoolean("tlsAcceptAnyCertificate", false);
        var hosts = cs.Hosts(tls ? 5671 : 5672);
        if (hosts.Count == 0)
        {
            throw new OmnibusConfigurationException("host", $"The {cs.Scheme} connection string names no host: allowed is '{cs.Scheme}://user:password@host:port/vhost'.");
        }

        var endpoints = hosts.Select(h =>
        {
            var ssl = new SslOption { Enabled = tls, ServerName = serverName ?? h.Host };
            if (acceptAny)
            {
                ssl.AcceptablePolicyErrors = System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors
                    | System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch
                    | System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable;
            }

            return new AmqpTcpEndpoint(h.Host, h.Port, ssl);
        }).ToList();

        var slash = cs.Location.IndexOf('/', StringComparison.Ordinal);
        var vhost = slash < 0 || slash == cs.Location.Length - 1 ? "/" : Uri.UnescapeDataString(cs.Location[(slash + 1)..]);
        var connectionName = cs.Get("connectionName") ?? "omnibus";
        if (string.IsNullOrWhiteSpace(connectionName))
        {
            throw cs.Invalid("connectionName", connectionName, "a non-empty name");
        }

        return new RabbitMqSettings
        {
            Scheme = cs.Scheme,
            Endpoints = endpoints,
            VirtualHost = vhost,
            UserName = cs.UserName,
            Password = cs.Password,
            Prefetch = cs.GetInt32("prefetch", 0, 1, ushort.MaxValue),
            Heartbeat = ParseHeartbeat(cs),
            ConnectionName = connectionName,
            RecoveryInterval = cs.GetDuration("recoveryInterval", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            PublishTimeout = cs.GetDuration("publishTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
        };
    }

    public ConnectionFactory CreateFactory()
    {
        var factory = new ConnectionFactory
        {
            VirtualHost = VirtualHost,
            ClientProvidedName = ConnectionName,
            RequestedHeartbeat = Heartbeat,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = RecoveryInterval,
        };
        if (UserName is not null)
        {
            factory.UserName = UserName;
            factory.Password = Password ?? string.Empty;
        }

        return factory;
    }

    private static TimeSpan ParseHeartbeat(ConnectionString cs)
    {
        var value = cs.GetDuration("heartbeat", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        return value > TimeSpan.Zero && value < TimeSpan.FromSeconds(1)
            ? throw cs.Invalid("heartbeat", cs.Get("heartbeat")!, "0 (off) or a duration from 1s to 10m")
            : value;
    }
}
