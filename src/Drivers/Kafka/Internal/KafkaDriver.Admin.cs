using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The producer and the admin client on its connection, and the broker as <see cref="IBrokerAdmin"/> and
/// <see cref="IBacklogSource"/>: counts come from Kafka (watermarks, committed offsets, the groups it lists), except
/// what only this process knows: deliveries in flight, and which groups exist where the cluster cannot list them
/// (librdkafka's mock cluster answers no ListGroups request). Admin requests never create a topic.
/// </summary>
internal sealed partial class KafkaDriver : IBrokerAdmin, IBacklogSource
{
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);

    // Every pair this driver consumed, with its start position: the groups listed where the cluster cannot list them,
    // and the backlog of a group that committed nothing yet. Guarded by _lock.
    private readonly Dictionary<(string Topic, string Group), StartPosition> _opened = [];

    public IBrokerAdmin? Admin => this;

    public IBacklogSource? Backlog => this;

    /// <summary>Messages stored = Σ (high − low watermark); published = Σ high watermark (offsets count every append).</summary>
    public ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken) => Ask<IReadOnlyList<TopicInfo>>(async () =>
    {
        var topics = Topics();
        var marks = await WatermarksAsync(topics.Values.SelectMany(p => p)).ConfigureAwait(false);
        return [.. topics.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new TopicInfo(
            t.Key, t.Value.Sum(p => marks[p].High - marks[p].Low), null, t.Value.Sum(p => marks[p].High), t.Value.Count))];
    });

    /// <summary>
    /// The consumer groups the cluster lists (with the topics they committed offsets for) and the pairs this driver
    /// consumed. Lag as <see cref="GetBacklogAsync"/>; members as the cluster counts them (this driver's own where it
    /// cannot list groups); in flight: this driver's deliveries only; dead-lettered: what <c>&lt;topic&gt;.dlq</c> stores.
    /// </summary>
    public ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken) => Ask<IReadOnlyList<GroupInfo>>(async () =>
    {
        var topics = Topics();
        Dictionary<(string Topic, string Group), StartPosition> pairs;
        lock (_lock)
        {
            pairs = new(_opened);
        }

        var members = new Dictionary<string, int>();
        foreach (var group in ListGroups())
        {
            members[group.Group] = group.Members.Count;
            foreach (var committed in (await CommittedAsync(group.Group, null).ConfigureAwait(false)).Keys)
            {
                pairs.TryAdd((committed.Topic, group.Group), StartPosition.Earliest);
            }
        }

        var wanted = pairs.Where(p => (topic is null || p.Key.Topic == topic) && topics.ContainsKey(p.Key.Topic))
            .OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Group, StringComparer.Ordinal).ToList();
        return await GroupRowsAsync(topics, wanted.Select(p => (p.Key.Topic, p.Key.Group, p.Value)).ToList(), members).ConfigureAwait(false);
    });

    /// <summary>
    /// The group by name, whether or not the cluster lists it: its committed offsets are asked for directly (an
    /// OffsetFetch, which every cluster answers); a group that committed nothing counts from its start position.
    /// </summary>
    public ValueTask<GroupInfo?> GetGroupAsync(string topic, string group, CancellationToken cancellationToken) => Ask<GroupInfo?>(async () =>
    {
        var topics = Topics();
        if (!topics.ContainsKey(topic))
        {
            return null;
        }

        var members = ListGroups().Where(g => g.Group == group).ToDictionary(g => g.Group, g => g.Members.Count);
        StartPosition start;
        lock (_lock)
        {
            start = _opened.GetValueOrDefault((topic, group));
        }

        return (await GroupRowsAsync(topics, [(topic, group, start)], members).ConfigureAwait(false))[0];
    });

    private async Task<List<GroupInfo>> GroupRowsAsync(
        Dictionary<string, List<TopicPartition>> topics, List<(string Topic, string Group, StartPosition Start)> wanted, Dictionary<string, int> members)
    {
        var marks = await WatermarksAsync(wanted.Select(p => p.Topic).SelectMany(t => new[] { t, t + ".dlq" }).Distinct()
            .SelectMany(t => topics.GetValueOrDefault(t) ?? [])).ConfigureAwait(false);
        var result = new List<GroupInfo>(wanted.Count);
        foreach (var (name, group, start) in wanted)
        {
            var lag = Lag(topics[name], await CommittedAsync(group, topics[name]).ConfigureAwait(false), marks, start);
            KafkaGroupConsumer? local;
            lock (_lock)
            {
                local = _consumers.GetValueOrDefault((name, group));
            }

            var deadLettered = topics.GetValueOrDefault(name + ".dlq")?.Sum(p => marks[p].High - marks[p].Low) ?? 0;
            result.Add(new GroupInfo(name, group, lag, local?.InFlight ?? 0, deadLettered, members.TryGetValue(group, out var n) ? n : local is null ? 0 : 1));
        }

        return result;
    }

    /// <summary>
    /// Σ over partitions of high watermark − committed offset. Before the group's first commit a partition counts from the
    /// group's start: everything stored for Earliest (the default, also for a group this driver never opened), 0 for Latest.
    /// </summary>
    public ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken) => Ask<long?>(async () =>
    {
        if (!Topics().TryGetValue(topic, out var partitions))
        {
            return 0; // nothing stored
        }

        StartPosition start;
        lock (_lock)
        {
            start = _opened.GetValueOrDefault((topic, group));
        }

        var marks = await WatermarksAsync(partitions).ConfigureAwait(false);
        return Lag(partitions, await CommittedAsync(group, partitions).ConfigureAwait(false), marks, start);
    });

    /// <summary>
    /// A throwaway consumer assigned (not subscribed: it joins no group and commits nothing) to each partition at its low
    /// watermark reads up to <paramref name="max"/> records of each; the oldest <paramref name="max"/> by timestamp are kept.
    /// </summary>
    public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) => Ask<IReadOnlyList<Message>>(async () =>
    {
        if (max <= 0 || !Topics().TryGetValue(topic, out var partitions))
        {
            return [];
        }

        var marks = await WatermarksAsync(partitions).ConfigureAwait(false);
        var ends = partitions.Where(p => marks[p].High > marks[p].Low).ToDictionary(p => p.Partition.Value, p => Math.Min(marks[p].High, marks[p].Low + max));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(_settings.Consumer(Clients().Bootstrap, "omnibus-peek", StartPosition.Earliest)).Build();
        consumer.Assign(partitions.Where(p => ends.ContainsKey(p.Partition.Value)).Select(p => new TopicPartitionOffset(p, marks[p].Low)));
        var found = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + AdminTimeout;
        while (ends.Count > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var record = await Task.Run(() => consumer.Consume(TimeSpan.FromMilliseconds(100)), CancellationToken.None).ConfigureAwait(false);
            if (record?.Message is not null && ends.TryGetValue(record.Partition.Value, out var end) && record.Offset.Value < end)
            {
                found.Add(record);
                if (record.Offset.Value >= end - 1)
                {
                    ends.Remove(record.Partition.Value);
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return [.. found.OrderBy(r => r.Message.Timestamp.UnixTimestampMs).ThenBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Take(max).Select(r => KafkaRecords.FromRecord(r, 0))];
    });

    private static long Lag(List<TopicPartition> partitions, Dictionary<TopicPartition, long> committed, Dictionary<TopicPartition, (long Low, long High)> marks, StartPosition start) =>
        partitions.Sum(p => Math.Max(0, marks[p].High - (committed.TryGetValue(p, out var c) ? c : start == StartPosition.Latest ? marks[p].High : marks[p].Low)));

    /// <summary>Admin failures reach the caller as the driver's: the cluster could not be asked.</summary>
    private static async ValueTask<T> Ask<T>(Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (KafkaException e)
        {
            throw new ConnectionLostException("kafka", "A Kafka admin request failed: " + e.Message, e);
        }
    }

    /// <summary>Every topic with its partitions, without Kafka's internal ones (<c>__consumer_offsets</c>...). Reads all metadata: asking for one topic could create it.</summary>
    private Dictionary<string, List<TopicPartition>> Topics() => Clients().Admin.GetMetadata(AdminTimeout).Topics
        .Where(t => !t.Error.IsError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
        .ToDictionary(t => t.Topic, t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)).ToList());

    /// <summary>The consumer groups the cluster lists; none where it cannot list them (the mock cluster).</summary>
    private List<Confluent.Kafka.GroupInfo> ListGroups()
    {
        try
        {
            return [.. Clients().Admin.ListGroups(AdminTimeout).Where(g => g.ProtocolType == "consumer")];
        }
        catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_UnsupportedFeature)
        {
            return [];
        }
    }

    private async Task<Dictionary<TopicPartition, long>> CommittedAsync(string group, List<TopicPartition>? partitions)
    {
        var result = await Clients().Admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(group, partitions)], new ListConsumerGroupOffsetsOptions { RequestTimeout = AdminTimeout }).ConfigureAwait(false);
        return result.SelectMany(g => g.Partitions).Where(p => p.Offset.Value >= 0).ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
    }

    private async Task<Dictionary<TopicPartition, (long Low, long High)>> WatermarksAsync(IEnumerable<TopicPartition> partitions)
    {
        var requested = partitions.ToList();
        if (requested.Count == 0)
        {
            return [];
        }

        var options = new ListOffsetsOptions { RequestTimeout = AdminTimeout };
        var admin = Clients().Admin;
        var lows = await admin.ListOffsetsAsync(requested.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Earliest() }), options).ConfigureAwait(false);
        var highs = await admin.ListOffsetsAsync(requested.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }), options).ConfigureAwait(false);
        var low = lows.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => Math.Max(0, r.TopicPartitionOffsetError.Offset.Value));
        return highs.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => (low.GetValueOrDefault(r.TopicPartitionOffsetError.TopicPartition), Math.Max(0, r.TopicPartitionOffsetError.Offset.Value)));
    }

    /// <summary>
    /// Asks for the topic's metadata through the producer's connection, which creates a missing topic where the
    /// cluster allows it (auto.create.topics.enable), so that a new group is assigned its partitions at once.
    /// </summary>
    private void EnsureTopic(string topic)
    {
        try
        {
            Clients().Admin.GetMetadata(topic, AdminTimeout);
        }
        catch (KafkaException e)
        {
            Log.ConsumeError(_logger, topic, "-", "topic metadata: " + e.Message);
        }
    }

    private KafkaClients CreateClients()
    {
        var config = new ProducerConfig(_settings.Producer.ToDictionary(kv => kv.Key, kv => kv.Value)) { BootstrapServers = _settings.Bootstrap };
        if (_settings.MockBrokers > 0)
        {
            // Tests only: librdkafka starts a mock cluster owned by this producer; its consumers connect to it by address.
            config.Set("test.mock.num.brokers", _settings.MockBrokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var producer = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, error) => Log.ClientError(_logger, error.Reason, error.IsFatal))
            .Build();
        var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var bootstrap = _settings.MockBrokers > 0
            ? string.Join(',', admin.GetMetadata(AdminTimeout).Brokers.Select(b => $"{b.Host}:{b.Port}"))
            : _settings.Bootstrap;
        return new KafkaClients(producer, admin, bootstrap);
    }

    private sealed record KafkaClients(IProducer<byte[]?, byte[]> Producer, IAdminClient Admin, string Bootstrap);
}
