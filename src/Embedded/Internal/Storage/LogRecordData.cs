namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// The content of a record to append; the log assigns its offset. All times are Unix milliseconds
/// (UTC), and 0 means "not set" for <see cref="DeliverAt"/> and <see cref="ExpiresAt"/>.
/// </summary>
internal readonly struct LogRecordData
{
    /// <summary>Broker-defined record type (message, marker, tombstone…); stored as is.</summary>
    public byte RecordType { get; init; }

    /// <summary>Broker-defined flags; stored as is.</summary>
    public byte Flags { get; init; }

    /// <summary>Creation time, Unix milliseconds.</summary>
    public long Timestamp { get; init; }

    /// <summary>Earliest delivery time, Unix milliseconds; 0 when delivery is not delayed.</summary>
    public long DeliverAt { get; init; }

    /// <summary>Expiry time, Unix milliseconds; 0 when the record does not expire.</summary>
    public long ExpiresAt { get; init; }

    /// <summary>Message id for de-duplication; at most 255 UTF-8 bytes; null when absent.</summary>
    public string? MessageId { get; init; }

    /// <summary>
    /// Partitioning key; null when the record has no key. An empty key is a key; note that assigning a null
    /// <c>byte[]</c> converts to an empty key, so assign <c>null</c> itself for "no key".
    /// </summary>
    public ReadOnlyMemory<byte>? Key { get; init; }

    /// <summary>Headers; null or empty when there are none. At most 65,535.</summary>
    public IReadOnlyList<LogHeader>? Headers { get; init; }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }
}
