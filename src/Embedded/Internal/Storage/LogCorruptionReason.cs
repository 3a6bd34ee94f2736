namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Why a stored record failed validation.</summary>
internal enum LogCorruptionReason
{
    /// <summary>The record is valid.</summary>
    None = 0,

    /// <summary>The file ends inside the record: a write was cut short (torn write).</summary>
    Torn,

    /// <summary>The length prefix is outside the range any record can have (for example zeros).</summary>
    InvalidLength,

    /// <summary>The CRC-32C stored in the record does not match its content.</summary>
    ChecksumMismatch,

    /// <summary>The checksum matches but the format version or attribute bits are unknown.</summary>
    UnsupportedVersion,

    /// <summary>The checksum matches but the record's offset is not the one expected at this place.</summary>
    OffsetMismatch,

    /// <summary>The checksum matches but the fields inside the record do not fit its length.</summary>
    Malformed,

    /// <summary>Records the segment should hold are missing (the file ends before the next segment's base offset).</summary>
    MissingRecords,
}
