namespace Omnibus.Embedded.Internal.Storage;

/// <summary>When a <see cref="SegmentedLog"/> forces appended records to disk (fsync).</summary>
internal enum FlushPolicy
{
    /// <summary>
    /// Flush in the background within <see cref="LogOptions.FlushInterval"/> of the first unflushed
    /// append (the default), or sooner: once appends pause for 1 ms while someone waits for durability,
    /// since waiting longer would batch nothing more. A crash loses at most the last interval; readers
    /// see records once flushed.
    /// </summary>
    Interval = 0,

    /// <summary>
    /// Flush as soon as anything is appended; <see cref="SegmentedLog.AppendAsync"/> completes only when
    /// the record is durable. Appends that arrive while a flush runs share the next flush (group commit).
    /// </summary>
    EveryWrite = 1,

    /// <summary>
    /// Hand records to the operating system every <see cref="LogOptions.FlushInterval"/> but never fsync,
    /// except on an explicit commit, a segment roll and a clean close (QoS 0). Readers see records once
    /// they are written; a machine crash may lose them.
    /// </summary>
    Never = 2,
}
