namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// A record read back from a <see cref="SegmentedLog"/>; its checksum was verified. Immutable; the
/// memory it exposes belongs to this record alone.
/// </summary>
internal sealed class LogRecord
{
    /// <summary>Gets the record's offset: its dense, 0-based sequence number in the partition.</summary>
    public required long Offset { get; init; }

    /// <summary>Gets the broker-defined record type.</summary>
    public required byte RecordType { get; init; }

    /// <summary>Gets the broker-defined flags.</summary>
    public required byte Flags { get; init; }

    /// <summary>Gets the creation time, Unix milliseconds.</summary>
    public required long Timestamp { get; init; }

    /// <summary>Gets the earliest delivery time, Unix milliseconds; 0 when not set.</summary>
    public required long DeliverAt { get; init; }

    /// <summary>Gets the expiry time, Unix milliseconds; 0 when not set.</summary>
    public required long ExpiresAt { get; init; }

    /// <summary>Gets the message id, or null.</summary>
    public required string? MessageId { get; init; }

    /// <summary>Gets the key, or null when the record has none.</summary>
    public required ReadOnlyMemory<byte>? Key { get; init; }

    /// <summary>Gets the headers; empty when there are none.</summary>
    public required IReadOnlyList<LogHeader> Headers { get; init; }

    /// <summary>Gets the payload.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Gets the size of the record on disk, framing included.</summary>
    public required int EncodedLength { get; init; }
}
