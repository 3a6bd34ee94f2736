using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>The options of an <c>embedded://</c> connection string, validated.</summary>
internal sealed record EmbeddedSettings
{
    private const long MiB = 1024 * 1024;

    public static readonly DriverOptionTable Table = new(
        "embedded",
        DriverOption.Int32("qos", 1, 0, 2, "0 at most once (no acks), 1 at least once, 2 exactly once (publish dedupe by message id, durable acks)"),
        DriverOption.Choice("flush", "interval", "When the log is forced to disk: interval, every-write, or never (no fsync)", "interval", "every-write", "never"),
        DriverOption.Duration("flushInterval", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), "The longest a write waits for its fsync under flush=interval"),
        DriverOption.Int32("partitions", 1, 1, 64, "Partitions of a new topic (keys keep order within a partition)"),
        DriverOption.Int64("segmentBytes", 64 * MiB, MiB, 1024 * MiB, "Log segment size"),
        DriverOption.Int32("maxMessageBytes", 1024 * 1024, 1024, 64 * 1024 * 1024, "Largest message (body, key and headers)"),
        DriverOption.Int32("maxTopics", 10_000, 1, 1_000_000, "Most topics"),
        DriverOption.Int64("retentionBytes", 0, 0, long.MaxValue, "Per partition, old segments are deleted beyond this size; 0 unlimited, else at least 1048576"),
        DriverOption.Duration("retentionAge", null, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650), "Old segments are deleted after this long (a week is 10080m); unset: unlimited"),
        DriverOption.Duration("visibilityTimeout", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(12), "An unacknowledged delivery is redelivered after this long"),
        DriverOption.Int32("dedupeWindow", 100_000, 1, 10_000_000, "Message ids remembered per topic for qos=2"));

    public required string DataDirectory { get; init; }

    public int Qos { get; init; } = 1;

    public FlushPolicy Flush { get; init; } = FlushPolicy.Interval;

    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    public int Partitions { get; init; } = 1;

    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public int MaxTopics { get; init; } = 10_000;

    public long? RetentionBytes { get; init; }

    public TimeSpan? RetentionAge { get; init; }

    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public int DedupeWindow { get; init; } = 100_000;

    /// <summary>What must agree between connections sharing one engine (everything but qos).</summary>
    public EmbeddedSettings EngineShape => this with { Qos = 1 };

    public LogOptions LogOptions => new()
    {
        SegmentBytes = SegmentBytes,
        MaxRecordBytes = MaxMessageBytes + RecordOverheadAllowance,
        FlushPolicy = Flush,
        FlushInterval = FlushInterval,
        RetentionBytes = RetentionBytes,
        RetentionAge = RetentionAge,
    };

    /// <summary>Room for the record's own fields on top of the message size limit, which is checked separately.</summary>
    private const int RecordOverheadAllowance = 1024;

    public static EmbeddedSettings From(ConnectionString cs, string defaultDirectory)
    {
        if (cs.UserName is not null)
        {
            throw new OmnibusConfigurationException("credentials", "The embedded:// driver takes no user name or password: allowed is 'embedded://' or 'embedded://<data-dir>'.");
        }

        var location = cs.Location.Length == 0 ? defaultDirectory : cs.Location;
        var retentionBytes = Table.GetInt64(cs, "retentionBytes");
        if (retentionBytes is > 0 and < MiB)
        {
            throw new OmnibusConfigurationException("retentionBytes", $"Option 'retentionBytes' = '{retentionBytes}' of the embedded:// driver is invalid: allowed is 0 (unlimited) or at least 1048576.");
        }

        return new EmbeddedSettings
        {
            DataDirectory = Path.GetFullPath(location),
            Qos = Table.GetInt32(cs, "qos"),
            Flush = Table.GetChoice(cs, "flush") switch
            {
                "every-write" => FlushPolicy.EveryWrite,
                "never" => FlushPolicy.Never,
                _ => FlushPolicy.Interval,
            },
            FlushInterval = Table.GetDuration(cs, "flushInterval"),
            Partitions = Table.GetInt32(cs, "partitions"),
            SegmentBytes = Table.GetInt64(cs, "segmentBytes"),
            MaxMessageBytes = Table.GetInt32(cs, "maxMessageBytes"),
            MaxTopics = Table.GetInt32(cs, "maxTopics"),
            RetentionBytes = retentionBytes is 0 ? null : retentionBytes,
            RetentionAge = Table.IsSet(cs, "retentionAge") ? Table.GetDuration(cs, "retentionAge") : null,
            VisibilityTimeout = Table.GetDuration(cs, "visibilityTimeout"),
            DedupeWindow = Table.GetInt32(cs, "dedupeWindow"),
        };
    }
}
