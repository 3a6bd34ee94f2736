namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// What recovery did to the tail segment of a log at open: the first torn or corrupt record and
/// everything after it were cut off. Immutable.
/// </summary>
internal sealed record LogRecoveryReport
{
    /// <summary>Gets the segment file that was truncated.</summary>
    public required string SegmentPath { get; init; }

    /// <summary>Gets the byte position of the first bad record; the file now ends here.</summary>
    public required long FilePosition { get; init; }

    /// <summary>Gets the offset the first bad record would have had; the log continues from here.</summary>
    public required long Offset { get; init; }

    /// <summary>Gets why the record was rejected.</summary>
    public required LogCorruptionReason Reason { get; init; }

    /// <summary>Gets how many bytes were cut off.</summary>
    public required long BytesTruncated { get; init; }

    /// <summary>
    /// Gets how many intact-looking records followed the bad one and were cut off with it. Zero after an
    /// ordinary torn write; more means acknowledged records were lost to corruption.
    /// </summary>
    public required int DiscardedValidRecords { get; init; }

    /// <summary>Gets the file that keeps a copy of the cut-off bytes when <see cref="DiscardedValidRecords"/> is not zero.</summary>
    public string? QuarantinePath { get; init; }
}
