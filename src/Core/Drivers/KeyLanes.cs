using Omnibus.Internal;

namespace Omnibus.Drivers;

/// <summary>
/// Per-key order across the members of a group, for a driver whose broker is one shared queue (memory://, embedded://):
/// each key hashes to a lane, each lane is assigned to one member (lane modulo the members, in join order, reassigned
/// when a member joins or leaves, as Kafka assigns partitions), and a member takes a message of a lane only while the
/// lane is assigned to it and no other member still holds a delivery of it. So one key is in flight on at most one
/// member, a lane moves only once its previous holder has settled (or released) everything it took, and different
/// keys run on different members in parallel. The queue behind it must hand a lane's messages out in publish order,
/// released ones first. Not thread-safe: the driver calls it under the lock that guards its queue.
/// </summary>
public sealed class KeyLanes
{
    /// <summary>Lanes per group: enough to spread a group's keys over dozens of members.</summary>
    public const int DefaultCount = 64;

    private readonly List<object> _members = [];
    private readonly object?[] _assigned;
    private readonly object?[] _holder;
    private readonly int[] _held;

    /// <summary>Creates <paramref name="count"/> lanes, none assigned.</summary>
    public KeyLanes(int count = DefaultCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _assigned = new object?[count];
        _holder = new object?[count];
        _held = new int[count];
    }

    /// <summary>The number of lanes.</summary>
    public int Count => _assigned.Length;

    /// <summary>The members that take part in the assignment.</summary>
    public int Members => _members.Count;

    /// <summary>The lane of <paramref name="key"/>: the same in every process.</summary>
    public int LaneOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (int)(StableHash.Of(key) % (uint)_assigned.Length);
    }

    /// <summary>Adds <paramref name="member"/> and reassigns the lanes.</summary>
    public void Join(object member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!_members.Contains(member))
        {
            _members.Add(member);
            Reassign();
        }
    }

    /// <summary>Removes <paramref name="member"/> and reassigns the lanes. Its deliveries must be released first.</summary>
    public void Leave(object member)
    {
        if (_members.Remove(member))
        {
            Reassign();
        }
    }

    /// <summary>Whether <paramref name="member"/> may take a message of <paramref name="lane"/> now.</summary>
    public bool CanTake(object member, int lane) =>
        ReferenceEquals(_assigned[lane], member) && (_held[lane] == 0 || ReferenceEquals(_holder[lane], member));

    /// <summary>Records that <paramref name="member"/> took a delivery of <paramref name="lane"/>.</summary>
    public void Took(object member, int lane)
    {
        _holder[lane] = member;
        _held[lane]++;
    }

    /// <summary>A delivery of <paramref name="lane"/> was settled or released; true when the lane's holder holds nothing now.</summary>
    public bool Released(int lane)
    {
        if (_held[lane] == 0)
        {
            return false;
        }

        if (--_held[lane] == 0)
        {
            _holder[lane] = null;
            return true;
        }

        return false;
    }

    private void Reassign()
    {
        for (var lane = 0; lane < _assigned.Length; lane++)
        {
            _assigned[lane] = _members.Count == 0 ? null : _members[lane % _members.Count];
        }
    }
}
