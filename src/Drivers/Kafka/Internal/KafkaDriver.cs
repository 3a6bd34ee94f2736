using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// The <c>kafka://</c> driver: one producer, created on first use, and one Kafka consumer per topic and group that
/// the driver's subscribers of that pair share. Thread-safe.
/// </summary>
internal sealed partial class KafkaDriver : IBrokerDriver, IBacklogSource
{
    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<KafkaClients> _clients;
    private readonly Dictionary<(string Topic, string Group), KafkaGroupConsumer> _consumers = [];
    private readonly object _lock = new();
    private int _disposed;

    public KafkaDriver(KafkaOptions options, ILogger logger)
    {
        _options = options;
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
        DelayedDelivery = false,
        TimeToLive = false,
        NativeDeadLetter = false,
        ExactlyOnce = false,
        BatchPublish = true,
        Replay = true,
    };

    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        var producer = Producer(topic);
        try
        {
            await producer.ProduceAsync(Destination(topic, message), ToRecord(topic, message), cancellationToken).ConfigureAwait(false);
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

    /// <summary>All records are handed to the producer at once and go out in its batches: one request per partition.</summary>
    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var producer = Producer(topic);
        var errors = new Exception?[messages.Count];
        var outcomes = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            outcomes[i] = done.Task;
            var index = i;
            try
            {
                producer.Produce(Destination(topic, messages[i]), ToRecord(topic, messages[i]), report =>
                {
                    if (report.Error.IsError)
                    {
                        errors[index] = new PublishException(topic, Scheme, $"Kafka rejected the message: {report.Error.Reason}");
                    }

                    done.TrySetResult();
                });
            }
            catch (Exception e) when (e is ProduceException<byte[]?, byte[]> or KafkaException or ObjectDisposedException)
            {
                errors[index] = new PublishException(topic, Scheme, "The producer did not take the message: " + e.Message, e);
                done.TrySetResult();
            }
        }

        await Task.WhenAll(outcomes).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new PublishBatchResult(errors);
    }

    public async ValueTask<IDeliverySource> OpenAsync(SubscriptionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bootstrap = Clients().Bootstrap;
        EnsureTopic(options.Topic);
        KafkaGroupConsumer consumer;
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_consumers.TryGetValue((options.Topic, options.Group), out consumer!))
            {
                consumer = new KafkaGroupConsumer(_options, bootstrap, options.Topic, options.Group, options.StartFrom, _logger);
                _consumers[(options.Topic, options.Group)] = consumer;
            }

            consumer.Sources++;
        }

        var source = new KafkaDeliverySource(consumer, _ => ReleaseAsync(consumer));
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

    private async ValueTask ReleaseAsync(KafkaGroupConsumer consumer)
    {
        lock (_lock)
        {
            if (--consumer.Sources > 0)
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
        new(topic, message.Key is null && _options.KeylessOrdered ? new Partition(0) : Partition.Any);

    private Message<byte[]?, byte[]> ToRecord(string topic, Message message)
    {
        if (message.DeliverAfter is not null || message.TimeToLive is not null)
        {
            throw new PublishException(topic, Scheme, "kafka:// does not honour DeliverAfter or TimeToLive (BrokerFeatures.DelayedDelivery and TimeToLive are false); publish without them.");
        }

        return KafkaRecords.ToRecord(message);
    }

    private IProducer<byte[]?, byte[]> Producer(string topic)
    {
        ThrowIfDisposed();
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
