namespace Omnibus.Internal;

/// <summary>Levenshtein distance, for "did you mean" hints on misspelt option and topic names.</summary>
internal static class EditDistance
{
    /// <summary>The candidate nearest to <paramref name="name"/> (ignoring case), when at most <paramref name="maxDistance"/> edits away; else null.</summary>
    public static string? Closest(IEnumerable<string> candidates, string name, int maxDistance = 2)
    {
        var lower = name.ToLowerInvariant();
        var closest = candidates.MinBy(c => Between(c.ToLowerInvariant(), lower));
        return closest is not null && Between(closest.ToLowerInvariant(), lower) <= maxDistance ? closest : null;
    }

    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
