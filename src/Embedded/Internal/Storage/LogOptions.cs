namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Settings of one <see cref="SegmentedLog"/>. Immutable; validated once by <see cref="Validate"/> when a
/// log opens. Every default states its trade-off.
/// </summary>
internal sealed record LogOptions
{
    /// <summary>The smallest allowed <see cref="SegmentBytes"/>.</summary>
    public const long MinSegmentBytes = 4 * 1024;

    /// <summary>The largest allowed <see cref="SegmentBytes"/>.</summary>
    public const long MaxSegmentBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>The options used when none are given.</summary>
    public static LogOptions Default { get; } = new();

    /// <summary>
    /// Size at which the active segment is closed and a new one started (default 64 MiB). Bigger segments
    /// mean fewer files and coarser retention; recovery scans one whole segment at start.
    /// </summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Largest encoded record, framing included (default 1 MiB). Larger appends throw
    /// <see cref="ArgumentException"/>. Allowed: 256 bytes to <see cref="RecordFormat.MaxEncodedLength"/>.
    /// </summary>
    public int MaxRecordBytes { get; init; } = 1024 * 1024;

    /// <summary>When appended records are forced to disk (default <see cref="FlushPolicy.Interval"/>).</summary>
    public FlushPolicy FlushPolicy { get; init; } = FlushPolicy.Interval;

    /// <summary>
    /// Longest time an appended record waits before the background flush under
    /// <see cref="FlushPolicy.Interval"/> and <see cref="FlushPolicy.Never"/> (default 5 ms). Longer
    /// intervals batch more records per fsync but delay acknowledgements and readers.
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Distance in bytes between entries of the sparse offset index (default 4 KiB). Smaller values make
    /// reads by offset start closer to the record at the cost of 16 bytes of memory per entry.
    /// </summary>
    public int IndexIntervalBytes { get; init; } = 4 * 1024;

    /// <summary>
    /// Most bytes of appended records held in memory while waiting for the writer (default 4 MiB). An
    /// append that does not fit blocks until the current flush finishes (back-pressure).
    /// </summary>
    public int WriteBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Whole closed segments are deleted, oldest first, while the log is larger than this (default null:
    /// no size limit).
    /// </summary>
    public long? RetentionBytes { get; init; }

    /// <summary>
    /// Whole closed segments whose last write is older than this are deleted (default null: no age
    /// limit).
    /// </summary>
    public TimeSpan? RetentionAge { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option, its value and what is allowed.</summary>
    public void Validate()
    {
        Require(SegmentBytes is >= MinSegmentBytes and <= MaxSegmentBytes, nameof(SegmentBytes), SegmentBytes,
            $"between {MinSegmentBytes} and {MaxSegmentBytes} bytes");
        Require(MaxRecordBytes >= 256 && MaxRecordBytes <= RecordFormat.MaxEncodedLength, nameof(MaxRecordBytes), MaxRecordBytes,
            $"between 256 and {RecordFormat.MaxEncodedLength} bytes");
        Require(Enum.IsDefined(FlushPolicy), nameof(FlushPolicy), FlushPolicy,
            "Interval, EveryWrite or Never");
        Require(FlushInterval >= TimeSpan.FromMilliseconds(1) && FlushInterval <= TimeSpan.FromSeconds(60), nameof(FlushInterval), FlushInterval,
            "between 1 ms and 60 s");
        Require(IndexIntervalBytes is >= 64 and <= 64 * 1024 * 1024, nameof(IndexIntervalBytes), IndexIntervalBytes,
            "between 64 bytes and 64 MiB");
        Require(WriteBufferBytes >= MaxRecordBytes && WriteBufferBytes <= 1024 * 1024 * 1024, nameof(WriteBufferBytes), WriteBufferBytes,
            $"at least MaxRecordBytes ({MaxRecordBytes}) and at most 1 GiB");
        Require(RetentionBytes is null or > 0, nameof(RetentionBytes), RetentionBytes,
            "null (no limit) or a positive number of bytes");
        Require(RetentionAge is null || RetentionAge > TimeSpan.Zero, nameof(RetentionAge), RetentionAge,
            "null (no limit) or a positive duration");
    }

    private static void Require(bool valid, string option, object? value, string allowed)
    {
        if (!valid)
        {
            throw new ArgumentException(
                $"LogOptions.{option} is {value?.ToString() ?? "null"}; allowed: {allowed}.", option);
        }
    }
}
