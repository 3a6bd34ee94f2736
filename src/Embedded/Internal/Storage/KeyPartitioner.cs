namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Maps a record key to a partition with 32-bit FNV-1a, a hash that is the same in every process and
/// on every machine (unlike <see cref="string.GetHashCode()"/>, which is randomised per process), so a
/// key keeps its partition across restarts. Thread-safe: pure functions.
/// </summary>
internal static class KeyPartitioner
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Computes the 32-bit FNV-1a hash of <paramref name="key"/>.</summary>
    public static uint Fnv1a(ReadOnlySpan<byte> key)
    {
        var hash = OffsetBasis;
        foreach (var b in key)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>Returns the partition of <paramref name="key"/>: FNV-1a modulo <paramref name="partitionCount"/>.</summary>
    public static int PartitionOf(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return (int)(Fnv1a(key) % (uint)partitionCount);
    }
}
