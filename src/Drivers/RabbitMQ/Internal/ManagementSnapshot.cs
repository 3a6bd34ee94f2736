namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// One reading of a vhost from the management API, mapped through <see cref="Names"/>: a topic is a topic exchange, a
/// group the queue <c>t:g</c>; a group's lag adds the messages in its retry queues and in its topic's delay queues
/// (which will reach it), whoever declared them. Counts are from every process, as the broker sees them. Immutable.
/// </summary>
internal sealed class ManagementSnapshot
{
    private readonly List<ManagementExchange> _topics;
    private readonly Dictionary<(string Topic, string Group), ManagementQueue> _groups = [];
    private readonly Dictionary<(string Topic, string Group), long> _retrying = [];
    private readonly Dictionary<string, long> _delayed = new(StringComparer.Ordinal);

    public ManagementSnapshot(IEnumerable<ManagementExchange> exchanges, IEnumerable<ManagementQueue> queues)
    {
        // 'amq.' names are the broker's own (clients cannot declare them), and an internal exchange takes no publishes.
        _topics = exchanges
            .Where(e => e.Type == "topic" && !e.Internal && TopicName.IsValid(e.Name) && !e.Name.StartsWith("amq.", StringComparison.Ordinal))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var queue in queues)
        {
            if (Names.TryParseRetryQueue(queue.Name, out var topic, out var group))
            {
                _retrying[(topic, group)] = _retrying.GetValueOrDefault((topic, group)) + queue.Messages;
            }
            else if (Names.TryParseDelayQueue(queue.Name, out topic))
            {
                _delayed[topic] = _delayed.GetValueOrDefault(topic) + queue.Messages;
            }
            else if (Names.TryParseGroupQueue(queue.Name, out topic, out group))
            {
                _groups[(topic, group)] = queue;
            }
        }
    }

    /// <summary>Whether <paramref name="queue"/> is one this mapping counts: a group's, retry or delay queue.</summary>
    public static bool Counts(string queue) =>
        Names.TryParseRetryQueue(queue, out _, out _) || Names.TryParseDelayQueue(queue, out _) || Names.TryParseGroupQueue(queue, out _, out _);

    /// <summary>The topic exchanges by name; messages and bytes summed over their groups' queues.</summary>
    public IReadOnlyList<TopicInfo> Topics() =>
        _topics.Select(e => new TopicInfo(e.Name, Stored(e.Name), Bytes(e.Name), e.PublishIn ?? 0, Partitions: 1)).ToList();

    /// <summary>Every group (or those of <paramref name="topic"/>), by topic then group.</summary>
    public IReadOnlyList<GroupInfo> Groups(string? topic) =>
        _groups
            .Where(g => topic is null || g.Key.Topic == topic)
            .OrderBy(g => g.Key.Topic, StringComparer.Ordinal).ThenBy(g => g.Key.Group, StringComparer.Ordinal)
            .Select(g => new GroupInfo(g.Key.Topic, g.Key.Group, Lag(g.Key.Topic, g.Key.Group, g.Value), g.Value.Unacknowledged ?? 0, DeadLettered(g.Key.Topic), g.Value.Consumers ?? 0))
            .ToList();

    /// <summary>The group's lag, or null when it has no queue.</summary>
    public long? Backlog(string topic, string group) =>
        _groups.TryGetValue((topic, group), out var queue) ? Lag(topic, group, queue) : null;

    private long Lag(string topic, string group, ManagementQueue queue) =>
        queue.Messages + _retrying.GetValueOrDefault((topic, group)) + _delayed.GetValueOrDefault(topic);

    /// <summary>
    /// The dead letters not replayed yet: those in the replay group's queue of <c>&lt;topic&gt;.dlq</c>, which the driver
    /// declares with every dead-letter publish (each of the topic's other groups holds a copy of them); without it
    /// (dead letters from before it was declared) the sum over the dead-letter topic's groups.
    /// </summary>
    private long DeadLettered(string topic) =>
        _groups.TryGetValue((topic + ".dlq", Middleware.DeadLetterReplayOptions.DefaultGroup), out var keeper) ? keeper.Messages : Stored(topic + ".dlq");

    // As over plain AMQP: a topic stores a copy per group, so its messages are those of its groups' queues.
    private long Stored(string topic) => _groups.Where(g => g.Key.Topic == topic).Sum(g => g.Value.Messages);

    private long? Bytes(string topic)
    {
        long bytes = 0;
        foreach (var (key, queue) in _groups)
        {
            if (key.Topic == topic)
            {
                if (queue.Bytes is not { } b)
                {
                    return null; // not sampled yet: unknown, rather than too few
                }

                bytes += b;
            }
        }

        return bytes;
    }
}
