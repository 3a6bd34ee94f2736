namespace Omnibus.Internal;

/// <summary>
/// FNV-1a over the UTF-16 code units of a string: stable across processes and runs, unlike
/// <see cref="string.GetHashCode()"/>, so a key maps to the same lane or partition everywhere.
/// </summary>
internal static class StableHash
{
    public static uint Of(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619u;
            hash = (hash ^ ((uint)c >> 8)) * 16777619u;
        }

        return hash;
    }
}
