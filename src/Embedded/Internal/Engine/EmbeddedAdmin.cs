using Omnibus.Drivers;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>What the embedded engine can tell about itself: topics, groups and stored messages, read without consuming.</summary>
internal static class EmbeddedAdmin
{
    private static readonly string DefaultReplayGroup = new Omnibus.Middleware.DeadLetterReplayOptions().Group;

    public static IReadOnlyList<TopicInfo> Topics(BrokerEngine engine) =>
        [.. engine.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(Describe)];

    public static IReadOnlyList<GroupInfo> Groups(BrokerEngine engine, string? topicName)
    {
        IEnumerable<EngineTopic> topics = topicName is null ? engine.Topics.OrderBy(t => t.Name, StringComparer.Ordinal)
            : engine.FindTopic(topicName) is { } found ? [found] : [];
        var groups = new List<GroupInfo>();
        foreach (var topic in topics)
        {
            var deadLettered = engine.FindTopic(topic.Name + ".dlq") is { } dlq ? NotReplayed(dlq) : 0;
            foreach (var name in topic.GroupNames())
            {
                if (topic.FindGroup(name) is { } group)
                {
                    groups.Add(new GroupInfo(topic.Name, name, group.Backlog, group.InFlightCount, deadLettered, group.Members));
                }
            }
        }

        return groups;
    }

    public static IReadOnlyList<Message> Peek(BrokerEngine engine, string topicName, int max)
    {
        if (engine.FindTopic(topicName) is not { } topic || max <= 0)
        {
            return [];
        }

        // The oldest `max` of each partition, then the oldest `max` of those by timestamp (offset order within a partition).
        var candidates = new List<(long Timestamp, int Partition, long Offset, Message Message)>();
        for (var p = 0; p < topic.Log.PartitionCount; p++)
        {
            var log = topic.Log[p];
            var from = log.StartOffset;
            var taken = 0;
            while (taken < max && from < log.ReadableEndOffset)
            {
                var records = log.Read(from, Math.Min(256, max - taken));
                if (records.Count == 0)
                {
                    break;
                }

                foreach (var record in records)
                {
                    candidates.Add((record.Timestamp, p, record.Offset, RecordCodec.ToMessage(record, topic.Name, 1)));
                }

                taken += records.Count;
                from = records[^1].Offset + 1;
            }
        }

        return [.. candidates.OrderBy(c => c.Timestamp).ThenBy(c => c.Partition).ThenBy(c => c.Offset).Take(max).Select(c => c.Message)];
    }

    private static TopicInfo Describe(EngineTopic topic)
    {
        long published = 0;
        long bytes = 0;
        for (var p = 0; p < topic.Log.PartitionCount; p++)
        {
            var log = topic.Log[p];
            published += log.NextOffset;
            bytes += log.ReadableBytes; // from the segments' state: the dashboard polls this every second
        }

        return new TopicInfo(topic.Name, Stored(topic), bytes, published, topic.Log.PartitionCount);
    }

    /// <summary>
    /// Dead letters a replay has not moved back yet: the lag of the default replay group (what 'omnibus dlq replay' and
    /// the dashboard read as), or everything stored when no replay ran. A replayed dead letter stays stored until
    /// retention, but it no longer counts as waiting.
    /// </summary>
    private static long NotReplayed(EngineTopic deadLetters) =>
        deadLetters.FindGroup(DefaultReplayGroup) is { } replay ? replay.Backlog : Stored(deadLetters);

    private static long Stored(EngineTopic topic)
    {
        long stored = 0;
        for (var p = 0; p < topic.Log.PartitionCount; p++)
        {
            stored += topic.Log[p].NextOffset - topic.Log[p].StartOffset;
        }

        return stored;
    }
}
