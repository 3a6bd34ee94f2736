namespace Omnibus.Memory;

/// <summary>
/// A topic: the retained tail of recent messages (for new groups starting from Earliest), the groups, and the
/// idempotency ids seen. One lock keeps publish order identical in every group.
/// </summary>
internal sealed class MemoryTopic
{
    private readonly object _lock = new();
    private readonly MemoryState _state;
    private readonly Queue<(Message Message, DateTimeOffset PublishedAt)> _retained = new();
    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private MemoryGroup[] _groups = [];

    public MemoryTopic(string name, MemoryState state)
    {
        Name = name;
        _state = state;
    }

    public string Name { get; }

    public void Publish(Message message, DateTimeOffset now)
    {
        lock (_lock)
        {
            PublishLocked(message, now);
        }
    }

    public void Publish(IReadOnlyList<Message> messages, DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var message in messages)
            {
                PublishLocked(message, now);
            }
        }
    }

    public MemoryGroup JoinGroup(string name, StartPosition startFrom)
    {
        lock (_lock)
        {
            foreach (var existing in _groups)
            {
                if (existing.Name == name)
                {
                    return existing;
                }
            }

            var group = new MemoryGroup(name, this, _state);
            if (startFrom == StartPosition.Earliest)
            {
                foreach (var (message, publishedAt) in _retained)
                {
                    group.Offer(new MemoryDelivery(message, group, publishedAt));
                }
            }

            _groups = [.. _groups, group];
            return group;
        }
    }

    /// <summary>Entries of <paramref name="group"/> not yet acknowledged, or null when the group does not exist.</summary>
    public long? Backlog(string group)
    {
        foreach (var existing in Volatile.Read(ref _groups))
        {
            if (existing.Name == group)
            {
                return existing.Unsettled;
            }
        }

        return null;
    }

    private void PublishLocked(Message message, DateTimeOffset now)
    {
        if (message.IdempotencyId is { } id && !Remember(id))
        {
            return;
        }

        if (_state.Retention > 0)
        {
            _retained.Enqueue((message, now));
            if (_retained.Count > _state.Retention)
            {
                _retained.Dequeue();
            }
        }

        foreach (var group in _groups)
        {
            group.Offer(new MemoryDelivery(message, group, now));
        }
    }

    /// <summary>False when the id was seen within the dedupe window.</summary>
    private bool Remember(string id)
    {
        if (_state.DedupeWindow == 0)
        {
            return true;
        }

        if (!_seenIds.Add(id))
        {
            return false;
        }

        _seenOrder.Enqueue(id);
        if (_seenOrder.Count > _state.DedupeWindow)
        {
            _seenIds.Remove(_seenOrder.Dequeue());
        }

        return true;
    }
}
