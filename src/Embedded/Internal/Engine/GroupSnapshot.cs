namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// What a consumer group must remember across restarts, per partition: the committed offset (everything below
/// it is settled), the settled offsets above it, and how often unsettled offsets were delivered and failed.
/// </summary>
internal sealed class GroupSnapshot
{
    public GroupSnapshot(long[] committed)
    {
        Committed = committed;
        SettledAbove = committed.Select(_ => new HashSet<long>()).ToArray();
    }

    public long[] Committed { get; }

    public HashSet<long>[] SettledAbove { get; }

    public Dictionary<(int Partition, long Offset), int> Attempts { get; } = [];

    /// <summary>Records a settlement; returns false when it was already settled.</summary>
    public bool Settle(int partition, long offset)
    {
        var settled = SettledAbove[partition];
        if (offset == Committed[partition] && settled.Count == 0)
        {
            // Settled in order, the common case: the committed offset moves on and the set stays empty.
            Committed[partition]++;
        }
        else
        {
            if (offset < Committed[partition] || !settled.Add(offset))
            {
                return false;
            }

            while (settled.Remove(Committed[partition]))
            {
                Committed[partition]++;
            }
        }

        Attempts.Remove((partition, offset));
        return true;
    }

    public bool IsSettled(int partition, long offset) => offset < Committed[partition] || SettledAbove[partition].Contains(offset);

    /// <summary>Retention removed offsets below <paramref name="start"/>: they can no longer be delivered.</summary>
    public void SkipTo(int partition, long start)
    {
        if (start <= Committed[partition])
        {
            return;
        }

        Committed[partition] = start;
        SettledAbove[partition].RemoveWhere(o => o < start);
        while (SettledAbove[partition].Remove(Committed[partition]))
        {
            Committed[partition]++;
        }
    }
}
