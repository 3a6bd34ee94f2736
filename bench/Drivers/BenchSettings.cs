using System.Globalization;

namespace Omnibus.Bench.Drivers;

/// <summary>The command line, parsed once. Unknown arguments are an error that lists the accepted ones.</summary>
internal sealed record BenchSettings
{
    private const string Usage =
        "usage: --broker kafka|rabbitmq|nats|redis|sqs|pubsub|all [--messages N] [--runs R] [--window W] [--prefetch P] [--redis-count N] [--concurrency C] [--case publish|consume|all] [--no-latency] [--kafka-extra &k=v]";

    /// <summary>Kafka's mock cluster keeps at most 5 MiB per partition: a topic (4 partitions) holds this backlog safely.</summary>
    public const int KafkaMaxBacklog = 100_000;

    public bool Kafka { get; init; } = true;

    public bool RabbitMq { get; init; } = true;

    public bool Nats { get; init; } = true;

    public bool Redis { get; init; } = true;

    /// <summary>sqs:// against AWSSDK.SQS on the fauxqs emulator (installed by tests/servers/prepare.sh).</summary>
    public bool Sqs { get; init; } = true;
    /// <summary>Pub/Sub on Google's emulator (a JVM): only when asked for by name, not in "all".</summary>
    public bool PubSub { get; init; }

    /// <summary>Redis: the idle-to-first-message latency rounds after the throughput cases.</summary>
    public bool Latency { get; init; } = true;

    /// <summary>Redis: entries per XREADGROUP on the raw side and the driver's prefetch, the same on both sides.</summary>
    public int RedisCount { get; init; } = 500;

    public bool Publish { get; init; } = true;

    public bool Consume { get; init; } = true;

    /// <summary>Messages per measured case; null means each broker's default.</summary>
    public int? Messages { get; init; }

    /// <summary>Measured runs of each case and side; the table shows their median.</summary>
    public int RunCount { get; init; } = 3;

    /// <summary>Outstanding publishes (the same on both sides).</summary>
    public int Window { get; init; } = 1000;

    /// <summary>RabbitMQ consumer prefetch (basic.qos), NATS pull batch; the same on both sides.</summary>
    public int Prefetch { get; init; } = 100;

    /// <summary>RabbitMQ consumers: Omnibus subscription Concurrency and the raw channel's consumer dispatch concurrency.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Appended to the Omnibus kafka:// connection string (experiments), e.g. <c>&amp;prefetch=100000</c>.</summary>
    public string KafkaExtra { get; init; } = "";

    /// <summary>Kafka: the mock cluster is in this process and fast; the consume backlog must stay within <see cref="KafkaMaxBacklog"/>.</summary>
    public int KafkaMessages => Math.Min(Messages ?? 100_000, KafkaMaxBacklog);

    /// <summary>RabbitMQ: durable and persistent, so a few tens of thousands of messages per second.</summary>
    public int RabbitMqMessages => Messages ?? 50_000;

    /// <summary>NATS JetStream: file storage without fsync, a few hundred thousand messages per second.</summary>
    public int NatsMessages => Messages ?? 100_000;

    /// <summary>Redis without persistence: hundreds of thousands of messages per second.</summary>
    public int RedisMessages => Messages ?? 200_000;

    /// <summary>SQS on fauxqs (an HTTP emulator in Node): a few thousand messages per second.</summary>
    public int SqsMessages => Messages ?? 10_000;

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--broker":
                    settings = Value() switch
                    {
                        "kafka" => settings with { Kafka = true, RabbitMq = false, Nats = false, Redis = false, Sqs = false, PubSub = false },
                        "rabbitmq" => settings with { Kafka = false, RabbitMq = true, Nats = false, Redis = false, Sqs = false, PubSub = false },
                        "nats" => settings with { Kafka = false, RabbitMq = false, Nats = true, Redis = false, Sqs = false, PubSub = false },
                        "redis" => settings with { Kafka = false, RabbitMq = false, Nats = false, Redis = true, Sqs = false, PubSub = false },
                        "sqs" => settings with { Kafka = false, RabbitMq = false, Nats = false, Redis = false, Sqs = true, PubSub = false },
                        "pubsub" => settings with { Kafka = false, RabbitMq = false, Nats = false, Redis = false, Sqs = false, PubSub = true },
                        "all" => settings with { Kafka = true, RabbitMq = true, Nats = true, Redis = true, Sqs = true, PubSub = true },
                        var other => throw new ArgumentException($"Unknown broker '{other}'. {Usage}"),
                    };
                    break;
                case "--case":
                    settings = Value() switch
                    {
                        "publish" => settings with { Publish = true, Consume = false },
                        "consume" => settings with { Publish = false, Consume = true },
                        "all" => settings with { Publish = true, Consume = true },
                        var other => throw new ArgumentException($"Unknown case '{other}'. {Usage}"),
                    };
                    break;
                case "--messages": settings = settings with { Messages = Math.Max(1000, Number()) }; break;
                case "--concurrency": settings = settings with { Concurrency = Math.Clamp(Number(), 1, 1000) }; break;
                case "--kafka-extra": settings = settings with { KafkaExtra = Value() }; break;
                case "--runs": settings = settings with { RunCount = Math.Max(1, Number()) }; break;
                case "--window": settings = settings with { Window = Math.Max(1, Number()) }; break;
                case "--prefetch": settings = settings with { Prefetch = Math.Clamp(Number(), 1, ushort.MaxValue) }; break;
                case "--redis-count": settings = settings with { RedisCount = Math.Clamp(Number(), 1, ushort.MaxValue) }; break;
                case "--no-latency": settings = settings with { Latency = false }; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. {Usage}");
            }
        }

        return settings;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"brokers={(Kafka ? "kafka " : "")}{(RabbitMq ? "rabbitmq " : "")}{(Nats ? "nats " : "")}{(Redis ? "redis " : "")}{(Sqs ? "sqs " : "")}{(PubSub ? "pubsub" : "")} cases={(Publish ? "publish " : "")}{(Consume ? "consume" : "")} messages={(Messages?.ToString(CultureInfo.InvariantCulture) ?? "default")} runs={RunCount} window={Window} prefetch={Prefetch} redis-count={RedisCount} concurrency={Concurrency}{(KafkaExtra.Length > 0 ? " kafka-extra=" + KafkaExtra : "")}");
}
