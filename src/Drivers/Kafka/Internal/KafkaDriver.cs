using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The <c>kafka://</c> driver: one producer (with an admin client on its connection), created on first use, and one
/// Kafka consumer per topic and group that the driver's subscribers of that pair share. Thread-safe.
/// </summary>
internal sealed partial class KafkaDriver : IBrokerDriver
{
    private readonly KafkaSettings _settings;
    private readonly ILogger _logger;
    private readonly Lazy<KafkaClients> _clients;
    private readonly Dictionary<(string Topic, string Group), KafkaGroupConsumer> _consumers = [];
    private readonly object _lock = new();
    private int _disposed;

    public KafkaDriver(KafkaSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
        _clients = new Lazy<KafkaClients>(CreateClients, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Scheme => "kafka";

    /// <summary>
    /// Delays, time to live and publish dedupe are not Kafka features (an idempotent producer dedupes its own retries
    /// only), and dead letters are published by the core.
    /// </summary>
    public BrokerFeatures Features { get; } = new()
    {
        ConsumerGroups = true,
        KeyOrdering = true,
        Persistent = true,
        BatchPublish = true,
        Replay = true,
    };

    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        var producer = Producer(topic);
        try
        {
            await producer.ProduceAsync(Destination(topic, message), KafkaRecords.ToRecord(message), cancellationToken).ConfigureAwait(false);
        }
        catch (ProduceException<byte[]?, byte[]> e)
        {
            throw new PublishException(topic, Scheme, $"Kafka rejected the message: {e.Error.Reason}", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new PublishException(topic, Scheme, "The kafka:// driver was closed during the publish.", e);
        }
    }

    /// <summary>Every record is handed to the producer at once, so they go out in its batches: one request per partition.</summary>
    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var sends = messages.Select(m => PublishAsync(topic, m, cancellationToken).AsTask()).ToArray();
        try
        {
            await Task.WhenAll(sends).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            // Each entry's outcome is reported below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new PublishBatchResult([.. sends.Select(t => t.Exception?.InnerException)]);
    }

    /// <summary>
    /// Joins the shared consumer of the spec's topic and group (creating it, or replacing one that failed). Its start
    /// position was fixed when it was created, so a second subscriber of the pair asking for another is rejected.
    /// </summary>
    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var bootstrap = Clients().Bootstrap;
        EnsureTopic(spec.Topic);
        KafkaGroupConsumer consumer;
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_consumers.TryGetValue((spec.Topic, spec.Group), out consumer!) || consumer.IsStopped)
            {
                consumer = new KafkaGroupConsumer(_settings, bootstrap, spec.Topic, spec.Group, spec.StartFrom, _logger);
                _consumers[(spec.Topic, spec.Group)] = consumer;
                _opened[(spec.Topic, spec.Group)] = spec.StartFrom;
            }
            else if (consumer.StartFrom != spec.StartFrom)
            {
                throw new OmnibusConfigurationException(nameof(spec.StartFrom), $"StartFrom = {spec.StartFrom} cannot be honoured by the kafka:// driver: topic {spec.Topic}, group {spec.Group} already has a subscriber on this broker that started the group's consumer from {consumer.StartFrom}, and the subscribers of a pair share it. Allowed is {consumer.StartFrom} here, or another broker (another group member).");
            }

            consumer.Join(spec.Prefetch);
        }

        var source = new KafkaDeliverySource(consumer, () => LeaveAsync(consumer, spec.Prefetch));
        try
        {
            await consumer.Joined.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return source;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        List<KafkaGroupConsumer> consumers;
        lock (_lock)
        {
            consumers = [.. _consumers.Values];
            _consumers.Clear();
        }

        await Task.WhenAll(consumers.Select(c => c.StopAsync())).ConfigureAwait(false);
        if (_clients.IsValueCreated)
        {
            var clients = _clients.Value;
            await Task.Run(() => clients.Producer.Flush(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            clients.Admin.Dispose();
            clients.Producer.Dispose();
        }
    }

    private async ValueTask LeaveAsync(KafkaGroupConsumer consumer, int prefetch)
    {
        lock (_lock)
        {
            if (!consumer.Leave(prefetch))
            {
                return;
            }

            if (_consumers.TryGetValue((consumer.Topic, consumer.Group), out var current) && current == consumer)
            {
                _consumers.Remove((consumer.Topic, consumer.Group));
            }
        }

        await consumer.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Keyed: Kafka's partitioner on the key. Keyless: partition 0 (in order) unless keyless=spread.</summary>
    private TopicPartition Destination(string topic, Message message) =>
        new(topic, message.Key is null && _settings.KeylessOrdered ? new Partition(0) : Partition.Any);

    private IProducer<byte[]?, byte[]> Producer(string topic)
    {
        try
        {
            return Clients().Producer;
        }
        catch (KafkaException e)
        {
            throw new PublishException(topic, Scheme, "The Kafka producer could not be created: " + e.Message, e);
        }
    }

    private KafkaClients Clients()
    {
        ThrowIfDisposed();
        return _clients.Value;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException("kafka:// driver");
        }
    }
}
