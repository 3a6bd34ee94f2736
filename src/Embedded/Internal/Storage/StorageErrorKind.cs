namespace Omnibus.Embedded.Internal.Storage;

/// <summary>What went wrong in a <see cref="StorageException"/>.</summary>
internal enum StorageErrorKind
{
    /// <summary>A write or flush failed because the disk (or quota) is full.</summary>
    DiskFull,

    /// <summary>A write or flush failed for another I/O reason.</summary>
    WriteFailed,

    /// <summary>An earlier write failure stopped the log; it accepts no writes until reopened.</summary>
    LogStopped,

    /// <summary>The embedded engine stopped after its journal flusher failed; nothing is published or settled until it is reopened.</summary>
    EngineStopped,

    /// <summary>A stored record failed validation when read.</summary>
    Corruption,

    /// <summary>The requested offset was deleted by retention (or never existed).</summary>
    OffsetOutOfRange,
}
