using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>The options of an <c>embedded://</c> connection string, validated.</summary>
internal sealed record EmbeddedSettings
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["qos"] = "0 (at most once, no acks), 1 (at least once, default) or 2 (exactly once: publish dedupe by message id, durable acks)",
        ["flush"] = "when the log is forced to disk: interval (default), every-write, or never (QoS 0 speed, no fsync)",
        ["flushInterval"] = "the longest a write waits for its fsync under flush=interval, 1ms to 1s, default 5ms",
        ["partitions"] = "partitions of a new topic, 1 to 64, default 1 (keys keep order within a partition)",
        ["segmentBytes"] = "log segment size, 1 MiB to 1 GiB, default 64 MiB",
        ["maxMessageBytes"] = "largest message (body, key and headers), 1 KiB to 64 MiB, default 1 MiB",
        ["maxTopics"] = "most topics, 1 to 1000000, default 10000",
        ["retentionBytes"] = "per partition, old segments are deleted beyond this size, 0 (unlimited, default) or at least 1 MiB",
        ["retentionAge"] = "old segments are deleted after this long, in ms, s or m (a week is 10080m), at least 1m; default unlimited",
        ["visibilityTimeout"] = "an unacknowledged delivery is redelivered after this long, 1s to 12h, default 5m",
        ["dedupeWindow"] = "message ids remembered per topic for qos=2, 1 to 10000000, default 100000",
    };

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
        // Sizes are 64-bit: a retention of 10 GiB per partition is ordinary, and int stopped at 2 GiB.
        var retentionBytes = cs.Get("retentionBytes") is null ? (long?)null : cs.GetInt64("retentionBytes", 0, 0, long.MaxValue);
        if (retentionBytes is > 0 and < 1024 * 1024)
        {
            throw cs.Invalid("retentionBytes", retentionBytes.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "0 (unlimited) or at least 1048576");
        }

        return new EmbeddedSettings
        {
            DataDirectory = Path.GetFullPath(location),
            Qos = cs.GetInt32("qos", 1, 0, 2),
            Flush = cs.GetChoice("flush", "interval", "interval", "every-write", "never") switch
            {
                "every-write" => FlushPolicy.EveryWrite,
                "never" => FlushPolicy.Never,
                _ => FlushPolicy.Interval,
            },
            FlushInterval = cs.GetDuration("flushInterval", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)),
            Partitions = cs.GetInt32("partitions", 1, 1, 64),
            SegmentBytes = cs.GetInt64("segmentBytes", 64L * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024),
            MaxMessageBytes = cs.GetInt32("maxMessageBytes", 1024 * 1024, 1024, 64 * 1024 * 1024),
            MaxTopics = cs.GetInt32("maxTopics", 10_000, 1, 1_000_000),
            RetentionBytes = retentionBytes is 0 ? null : retentionBytes,
            RetentionAge = cs.Get("retentionAge") is null ? null : cs.GetDuration("retentionAge", TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650)),
            VisibilityTimeout = cs.GetDuration("visibilityTimeout", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(12)),
            DedupeWindow = cs.GetInt32("dedupeWindow", 100_000, 1, 10_000_000),
        };
    }
}
