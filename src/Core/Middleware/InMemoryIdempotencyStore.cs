namespace Omnibus.Middleware;

/// <summary>
/// An <see cref="IIdempotencyStore"/> in process memory that forgets the least recently used ids beyond its
/// capacity. Dedupes redeliveries to this process only. Thread-safe.
/// </summary>
public sealed class InMemoryIdempotencyStore : IIdempotencyStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<string>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _recency = new();

    /// <summary>Creates a store remembering up to <paramref name="capacity"/> ids (default 100,000).</summary>
    public InMemoryIdempotencyStore(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>The most ids remembered.</summary>
    public int Capacity { get; }

    /// <summary>How many ids are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> IsProcessedAsync(string group, string messageId, CancellationToken cancellationToken)
    {
        var key = Key(group, messageId);
        lock (_lock)
        {
            if (!_index.TryGetValue(key, out var node))
            {
                return new ValueTask<bool>(false);
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return new ValueTask<bool>(true);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkProcessedAsync(string group, string messageId, CancellationToken cancellationToken)
    {
        var key = Key(group, messageId);
        lock (_lock)
        {
            if (_index.ContainsKey(key))
            {
                return default;
            }

            _index[key] = _recency.AddFirst(key);
            if (_index.Count > Capacity)
            {
                _index.Remove(_recency.Last!.Value);
                _recency.RemoveLast();
            }
        }

        return default;
    }

    private static string Key(string group, string messageId) => string.Concat(group, "\n", messageId);
}
