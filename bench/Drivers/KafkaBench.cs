using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Omnibus.Drivers.Kafka;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// kafka:// against Confluent.Kafka on librdkafka's mock cluster (the Kafka wire protocol over loopback TCP, run by a
/// producer in this process that owns it). Both sides use the same cluster, the same client settings (the driver's
/// defaults, written out for the raw clients), fresh topics per case and run, and 100-byte bodies.
/// </summary>
internal sealed class KafkaBench : IDisposable
{
    /// <summary>
    /// The mock cluster keeps at most 5 MiB per partition and drops the oldest batches beyond that: 25,000 records
    /// with Omnibus's message-id header (~165 B each on the wire) stay below it.
    /// </summary>
    private const int PerPartition = 25_000;

    private const string Group = "bench";
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly BenchSettings _settings;
    private readonly IProducer<byte[], byte[]> _cluster;
    private readonly IAdminClient _admin;
    private readonly IProducer<byte[]?, byte[]> _rawProducer;
    private readonly Broker _omnibus;
    private readonly byte[] _body;
    private int _topics;

    public KafkaBench(BenchSettings settings, byte[] body)
    {
        _ = typeof(KafkaDriverFactory); // loads the driver assembly so the registry finds kafka://
        _settings = settings;
        _body = body;
        var owner = new ProducerConfig();
        owner.Set("test.mock.num.brokers", "1");
        _cluster = new ProducerBuilder<byte[], byte[]>(owner).Build();
        _admin = new DependentAdminClientBuilder(_cluster.Handle).Build();
        Bootstrap = string.Join(',', _admin.GetMetadata(MetadataTimeout).Brokers.Select(b => $"{b.Host}:{b.Port}"));
        _rawProducer = new ProducerBuilder<byte[]?, byte[]>(RawProducerConfig()).Build();
        _omnibus = Broker.Connect(OmnibusConnectionString);
    }

    public string Bootstrap { get; }

    /// <summary>The driver's defaults, except the session timeout (the mock cluster's rebalances wait for it), plus --kafka-extra.</summary>
    private string OmnibusConnectionString => $"kafka://{Bootstrap}?sessionTimeout=6s{_settings.KafkaExtra}";

    public string Describe() =>
        $"Kafka: librdkafka {Library.VersionString} mock cluster, 1 broker, 4 partitions per topic, in this process at {Bootstrap}. " +
        $"Omnibus: `{OmnibusConnectionString}` (driver defaults: acks=all, idempotence on, linger 5 ms, batch 10,000, 5 in flight, keyless records to partition 0; consumer prefetch 1,000, commits every 1 s). " +
        "Raw: Confluent.Kafka with the same settings written out. The mock cluster keeps the log in memory: durability is acks=all on one broker, no fsync, on both sides.";

    public async Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.KafkaMessages;
        var publish = new CaseResult("Kafka", "publish", Invariant($"{messages:#,0} msgs, {_settings.Window} in flight, partition 0, acks=all, idempotent"), [], []);
        var consume = new CaseResult("Kafka", "consume", Invariant($"{messages:#,0}-msg backlog over 4 partitions, 1 consumer, 1 handler at a time, ack = store offset + commit every 1 s"), [], []);

        // One unmeasured round first: tiered compilation needs a few seconds to reach its final code.
        Console.WriteLine("kafka: warm-up round (not measured)");
        var warmUp = Math.Max(1000, messages / 4);
        if (_settings.Publish)
        {
            await RawPublishAsync(warmUp);
            await OmnibusPublishAsync(warmUp);
        }

        if (_settings.Consume)
        {
            await RawConsumeAsync(await PreloadAsync(warmUp), warmUp);
            await OmnibusConsumeAsync(await PreloadAsync(warmUp), warmUp);
        }

        for (var run = 1; run <= _settings.RunCount; run++)
        {
            if (_settings.Publish)
            {
                Report(run, publish, "raw", await RawPublishAsync(messages), publish.Raw);
                Report(run, publish, "Omnibus", await OmnibusPublishAsync(messages), publish.Omnibus);
            }

            if (_settings.Consume)
            {
                Report(run, consume, "raw", await RawConsumeAsync(await PreloadAsync(messages), messages), consume.Raw);
                Report(run, consume, "Omnibus", await OmnibusConsumeAsync(await PreloadAsync(messages), messages), consume.Omnibus);
            }
        }

        return [.. new[] { publish, consume }.Where(r => r.Raw.Count > 0)];
    }

    public void Dispose()
    {
        _omnibus.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rawProducer.Dispose();
        _admin.Dispose();
        _cluster.Dispose();
    }

    internal static void Report(int run, CaseResult result, string side, Sample sample, List<Sample> into)
    {
        into.Add(sample);
        Console.WriteLine(Invariant($"{result.Broker.ToLowerInvariant()} {result.Case}, run {run}, {side}: {sample.MessagesPerSecond:#,0} msg/s ({sample.Seconds:0.00} s, {sample.CpuMicrosPerMessage:0.0} us CPU/msg, {sample.AllocatedBytesPerMessage:#,0} B allocated/msg, load {Machine.LoadAverage()})"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The driver's producer settings (KafkaOptions defaults), for the raw producer.</summary>
    private ProducerConfig RawProducerConfig() => new()
    {
        BootstrapServers = Bootstrap,
        ClientId = "raw",
        BatchNumMessages = 10_000,
        LingerMs = 5,
        CompressionType = CompressionType.None,
        EnableIdempotence = true,
        MaxInFlight = 5,
        Acks = Acks.All,
        Partitioner = Partitioner.Murmur2Random,
    };

    /// <summary>The driver's consumer settings (KafkaOptions defaults, session timeout 6 s), for the raw consumer.</summary>
    private ConsumerConfig RawConsumerConfig() => new()
    {
        BootstrapServers = Bootstrap,
        ClientId = "raw",
        GroupId = Group,
        EnableAutoCommit = true,
        AutoCommitIntervalMs = 1000,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
        AllowAutoCreateTopics = true,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
    };

    /// <summary>Fresh topics, created (by asking for their metadata) before the clock starts.</summary>
    private string[] NewTopics(string purpose, int count)
    {
        var topics = Enumerable.Range(0, count).Select(_ => Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}")).ToArray();
        foreach (var topic in topics)
        {
            var partitions = _admin.GetMetadata(topic, MetadataTimeout).Topics.Single(t => t.Topic == topic).Partitions.Count;
            if (partitions == 0)
            {
                throw new InvalidOperationException($"The mock cluster did not create topic {topic}.");
            }
        }

        return topics;
    }

    /// <summary>
    /// Publishes go to partition 0 of each topic (as the driver sends keyless messages): a run fills
    /// <see cref="PerPartition"/> messages per topic, then moves to the next fresh topic.
    /// </summary>
    private async Task<Sample> RawPublishAsync(int messages)
    {
        var topics = NewTopics("raw-publish", (messages + PerPartition - 1) / PerPartition).Select(t => new TopicPartition(t, 0)).ToArray();
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, i =>
            new ValueTask(_rawProducer.ProduceAsync(topics[i / PerPartition], new Message<byte[]?, byte[]> { Value = _body })));
        return meter.Stop(messages);
    }

    private async Task<Sample> OmnibusPublishAsync(int messages)
    {
        var topics = NewTopics("omnibus-publish", (messages + PerPartition - 1) / PerPartition);
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, i => _omnibus.PublishAsync(topics[i / PerPartition], new Message(_body)));
        return meter.Stop(messages);
    }

    /// <summary>
    /// A fresh topic holding <paramref name="messages"/> records spread evenly over its partitions, each with a
    /// message-id header as Omnibus writes one, so both consumers read the same kind of record.
    /// </summary>
    private async Task<string> PreloadAsync(int messages)
    {
        var topic = NewTopics("backlog", 1)[0];
        var partitions = _admin.GetMetadata(topic, MetadataTimeout).Topics.Single().Partitions.Count;
        if (messages > partitions * PerPartition)
        {
            throw new InvalidOperationException($"A backlog of {messages} does not fit the mock cluster's {partitions} x 5 MiB.");
        }

        var failed = 0;
        for (var i = 0; i < messages; i++)
        {
            var record = new Message<byte[]?, byte[]>
            {
                Value = _body,
                Headers = new Headers { { "message-id", Encoding.UTF8.GetBytes(Invariant($"backlog-{i:x}")) } },
            };
            while (true)
            {
                try
                {
                    _rawProducer.Produce(new TopicPartition(topic, i % partitions), record, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    _rawProducer.Poll(TimeSpan.FromMilliseconds(100)); // the local queue is full: serve delivery reports
                }
            }
        }

        await Task.Run(() => _rawProducer.Flush(CaseTimeout));
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} backlog records were not stored.");
        }

        return topic;
    }

    /// <summary>A consumer loop on its own thread: Consume, count, StoreOffset (committed every second). The clock starts at the first record.</summary>
    private async Task<Sample> RawConsumeAsync(string topic, int messages)
    {
        var config = RawConsumerConfig();
        config.GroupId = Group + "-" + topic;
        using var deadline = new CancellationTokenSource(CaseTimeout);
        var countdown = new Countdown(messages);
        var loop = Task.Factory.StartNew(
            () =>
            {
                using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
                consumer.Subscribe(topic);
                while (countdown.Count < messages)
                {
                    var record = consumer.Consume(deadline.Token);
                    if (record is null || record.IsPartitionEOF)
                    {
                        continue;
                    }

                    consumer.StoreOffset(record);
                    countdown.Signal();
                }

                consumer.Commit();
                consumer.Close();
            },
            deadline.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var sample = await countdown.WaitAsync(CaseTimeout, "raw Kafka consumer");
        await loop;
        return sample;
    }

    /// <summary>A subscription (its own group, as the raw consumer) with one handler at a time that counts and succeeds (so the driver acknowledges). The clock starts at the first message.</summary>
    private async Task<Sample> OmnibusConsumeAsync(string topic, int messages)
    {
        var countdown = new Countdown(messages);
        var subscription = await _omnibus.SubscribeAsync(
            new SubscriptionOptions(topic, Group + "-" + topic) { Concurrency = 1 },
            (message, cancellationToken) =>
            {
                countdown.Signal();
                return default;
            });
        await using (subscription)
        {
            return await countdown.WaitAsync(CaseTimeout, "Omnibus Kafka subscription");
        }
    }
}
