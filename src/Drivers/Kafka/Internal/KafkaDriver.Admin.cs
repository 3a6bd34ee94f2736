using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>The producer, the admin client on its connection, topic creation and the backlog.</summary>
internal sealed partial class KafkaDriver
{
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);

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
        var config = _options.ProducerConfig(_options.BootstrapServers);
        if (_options.MockBrokers > 0)
        {
            // Tests only: librdkafka starts a mock cluster owned by this producer; its consumers connect to it by address.
            config.Set("test.mock.num.brokers", _options.MockBrokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var producer = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, error) => Log.ClientError(_logger, error.Reason, error.IsFatal))
            .Build();
        var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var bootstrap = _options.BootstrapServers;
        if (_options.MockBrokers > 0)
        {
            var brokers = admin.GetMetadata(AdminTimeout).Brokers;
            bootstrap = string.Join(',', brokers.Select(b => $"{b.Host}:{b.Port}"));
        }

        return new KafkaClients(producer, admin, bootstrap);
    }

    /// <summary>Σ over partitions of (high watermark − committed offset); null when the group committed nothing yet.</summary>
    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var admin = Clients().Admin;
        var metadata = admin.GetMetadata(topic, AdminTimeout).Topics.FirstOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            return null;
        }

        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(group, partitions)],
            new ListConsumerGroupOffsetsOptions { RequestTimeout = AdminTimeout }).ConfigureAwait(false);
        var offsets = committed.SelectMany(g => g.Partitions).Where(p => p.Offset.Value >= 0).ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
        if (offsets.Count == 0)
        {
            return null;
        }

        var highs = await admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }),
            new ListOffsetsOptions { RequestTimeout = AdminTimeout }).ConfigureAwait(false);
        var lows = await admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Earliest() }),
            new ListOffsetsOptions { RequestTimeout = AdminTimeout }).ConfigureAwait(false);
        var low = lows.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.Partition.Value, r => r.TopicPartitionOffsetError.Offset.Value);
        long backlog = 0;
        foreach (var high in highs.ResultInfos)
        {
            var partition = high.TopicPartitionOffsetError.Partition.Value;
            var from = offsets.TryGetValue(partition, out var c) ? c : low.GetValueOrDefault(partition);
            backlog += Math.Max(0, high.TopicPartitionOffsetError.Offset.Value - from);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return backlog;
    }

    private sealed record KafkaClients(IProducer<byte[]?, byte[]> Producer, IAdminClient Admin, string Bootstrap);
}
