namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// The one exception type of the storage layer. <see cref="Kind"/> says what happened, <see cref="Path"/>
/// names the file or directory, and the offsets say which records are affected. An <see cref="OmnibusException"/>,
/// so callers catch it with everything else the library throws; the I/O error behind it is the inner exception.
/// </summary>
internal sealed class StorageException : OmnibusException
{
    private StorageException(StorageErrorKind kind, string path, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
        Path = path;
    }

    /// <summary>Gets what went wrong.</summary>
    public StorageErrorKind Kind { get; }

    /// <summary>Gets the segment file or log directory concerned.</summary>
    public string Path { get; }

    /// <summary>Gets the first offset affected (lost, unreadable or requested), when known.</summary>
    public long? Offset { get; private init; }

    /// <summary>
    /// For <see cref="StorageErrorKind.Corruption"/>: the first offset after the damage that can be read
    /// again; records in [<see cref="Offset"/>, <see cref="NextValidOffset"/>) are unreadable. For
    /// <see cref="StorageErrorKind.OffsetOutOfRange"/>: the first retained offset.
    /// </summary>
    public long? NextValidOffset { get; private init; }

    /// <summary>Gets the byte position in the segment file, for corruption.</summary>
    public long? FilePosition { get; private init; }

    /// <summary>Gets the kind of damage, for corruption.</summary>
    public LogCorruptionReason Reason { get; private init; }

    /// <summary>True when <paramref name="exception"/> reports ENOSPC/EDQUOT (Unix) or a full disk (Windows).</summary>
    public static bool IsDiskFull(Exception exception)
    {
        if (exception is not IOException io)
        {
            return false;
        }

        const int ENOSPC = 28;
        const int EDQUOT_Linux = 122;
        const int ERROR_HANDLE_DISK_FULL = unchecked((int)0x80070027);
        const int ERROR_DISK_FULL = unchecked((int)0x80070070);
        return OperatingSystem.IsWindows()
            ? io.HResult is ERROR_HANDLE_DISK_FULL or ERROR_DISK_FULL
            : io.HResult == ENOSPC || (OperatingSystem.IsLinux() && io.HResult == EDQUOT_Linux);
    }

    /// <summary>A write or flush of <paramref name="segmentPath"/> failed; records from <paramref name="firstOffset"/> on were not acknowledged.</summary>
    public static StorageException WriteFailure(string segmentPath, long firstOffset, bool rolledBack, Exception cause)
    {
        var diskFull = IsDiskFull(cause);
        var outcome = rolledBack
            ? "they were not stored"
            : "they may or may not be stored (the file could not be truncated back)";
        return new StorageException(
            diskFull ? StorageErrorKind.DiskFull : StorageErrorKind.WriteFailed,
            segmentPath,
            $"Writing segment '{segmentPath}' failed: {(diskFull ? "the disk is full" : cause.Message)}. Records from offset {firstOffset} on were not acknowledged and {outcome}; records before it are intact. The log accepts no more writes until it is reopened.",
            cause)
        {
            Offset = firstOffset,
        };
    }

    /// <summary>Writing or syncing the consumer-group journal <paramref name="journalPath"/> failed: the settlements in it are not durable.</summary>
    public static StorageException JournalWriteFailure(string journalPath, Exception cause)
    {
        var diskFull = IsDiskFull(cause);
        return new StorageException(
            diskFull ? StorageErrorKind.DiskFull : StorageErrorKind.WriteFailed,
            journalPath,
            $"Writing the consumer-group journal '{journalPath}' failed: {(diskFull ? "the disk is full" : cause.Message)}. The acknowledgements waiting for it are not durable and may be redelivered after a restart.",
            cause);
    }

    /// <summary>A publish, settlement or read on an engine that its journal flusher's failure (<paramref name="cause"/>) stopped.</summary>
    public static StorageException EngineStopped(string dataDirectory, Exception cause) =>
        new(StorageErrorKind.EngineStopped, dataDirectory,
            $"The embedded broker at '{dataDirectory}' stopped after its journal flusher failed; close every connection to it and reopen it once the cause is fixed. Cause: {cause.Message}",
            cause);

    /// <summary>An append or wait on a log that an earlier write failure stopped.</summary>
    public static StorageException Stopped(string directory, StorageException cause) =>
        new(StorageErrorKind.LogStopped, directory,
            $"The log in '{directory}' stopped accepting writes after an earlier failure ({cause.Kind}); reopen it once the cause is fixed. First failure: {cause.Message}",
            cause)
        {
            Offset = cause.Offset,
        };

    /// <summary>Records [<paramref name="offset"/>, <paramref name="nextValidOffset"/>) of a segment cannot be read.</summary>
    public static StorageException Corruption(string segmentPath, long filePosition, long offset, long nextValidOffset, LogCorruptionReason reason) =>
        new(StorageErrorKind.Corruption, segmentPath,
            $"Segment '{segmentPath}' is damaged at byte {filePosition} ({reason}): records from offset {offset} up to {nextValidOffset} (exclusive) cannot be read. Records before offset {offset} are intact; reading can resume at offset {nextValidOffset}.",
            null)
        {
            Offset = offset,
            NextValidOffset = nextValidOffset,
            FilePosition = filePosition,
            Reason = reason,
        };

    /// <summary>The requested offset lies before the first retained one.</summary>
    public static StorageException OffsetOutOfRange(string directory, long requested, long startOffset) =>
        new(StorageErrorKind.OffsetOutOfRange, directory,
            $"Offset {requested} is no longer in the log in '{directory}': retention deleted it. The first retained offset is {startOffset}.",
            null)
        {
            Offset = requested,
            NextValidOffset = startOffset,
        };
}
