namespace Omnibus.Embedded.Internal.Storage;

/// <summary>Where a record of a <see cref="PartitionedLog"/> was stored.</summary>
/// <param name="Partition">The partition index, from 0.</param>
/// <param name="Offset">The record's offset within that partition.</param>
internal readonly record struct LogPosition(int Partition, long Offset);
