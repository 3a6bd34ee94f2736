using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One Kafka consumer (one member of a Kafka consumer group) for one topic, shared by every subscriber of that topic and
/// group on one driver. Its own thread runs the blocking Consume loop, the rebalance callbacks and every commit; records
/// go to a channel that the subscribers' readers take from, so no handler ever runs on that thread. Fetching pauses
/// while <see cref="KafkaOptions.Prefetch"/> records wait in the channel.
/// <para>Commits: every <see cref="KafkaOptions.CommitInterval"/>, and when partitions are revoked or the consumer
/// closes, each owned partition's first unacknowledged offset is committed explicitly (auto-commit is off), so a
/// commit never passes a record that was not handled.</para>
/// </summary>
internal sealed partial class KafkaGroupConsumer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    // With the queue full, the consume thread first waits this long for handlers to make room. Pausing the assignment
    // makes librdkafka drop what it has prefetched and fetch it again later (stalls of ~0.5 s per pause were measured),
    // so it is kept for handlers that are really stuck; the wait stays far below max.poll.interval.ms.
    private static readonly TimeSpan StallBeforePause = TimeSpan.FromSeconds(1);

    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Channel<KafkaDelivery> _ready = Channel.CreateUnbounded<KafkaDelivery>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _room = new(false);

    // Consume thread only.
    private readonly Dictionary<int, PartitionLease> _owned = [];
    private readonly List<PartitionLease> _needInitialCommit = [];
    private DateTime _nextCommit;
    private bool _paused;
    private volatile bool _closing;

    private int _queued;

    public KafkaGroupConsumer(KafkaOptions options, string bootstrapServers, string topic, string group, StartPosition startFrom, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Topic = topic;
        Group = group;
        StartFrom = startFrom;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(options.ConsumerConfig(bootstrapServers, group, startFrom))
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList(), lost: false))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition).ToList(), lost: true))
            .SetErrorHandler((_, error) => Log.ClientError(_logger, error.Reason, error.IsFatal))
            .Build();
        var thread = new Thread(Run) { IsBackground = true, Name = $"omnibus-kafka {topic}/{group}" };
        thread.Start();
    }

    public string Topic { get; }

    public string Group { get; }

    public StartPosition StartFrom { get; }

    /// <summary>Subscribers sharing it; guarded by the driver's lock.</summary>
    public int Sources { get; set; }

    /// <summary>Completes once the first assignment is in effect and its start offsets are committed.</summary>
    public Task Joined => _joined.Task;

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _ready.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next queued delivery whose partition is still owned; stale ones are dropped.</summary>
    public bool TryTake(out KafkaDelivery delivery)
    {
        while (_ready.Reader.TryRead(out var next))
        {
            if (Interlocked.Decrement(ref _queued) <= _options.Prefetch / 2)
            {
                _room.Set();
            }

            if (next.Lease.TryTake())
            {
                delivery = next;
                return true;
            }
        }

        delivery = null!;
        return false;
    }

    /// <summary>Hands <paramref name="delivery"/> out again after <paramref name="delay"/>, unless its partition is gone by then.</summary>
    public void Redeliver(KafkaDelivery delivery, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Enqueue(delivery);
            return;
        }

        _ = Task.Delay(delay, _stop.Token).ContinueWith(
            static (t, state) =>
            {
                if (!t.IsCanceled)
                {
                    var d = (KafkaDelivery)state!;
                    d.Consumer.Enqueue(d);
                }
            },
            delivery,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Leaves the group: commits what was acknowledged and closes. Records not acknowledged stay uncommitted.</summary>
    public Task StopAsync()
    {
        _closing = true;
        _stop.Cancel();
        return _stopped.Task;
    }

    private void Enqueue(KafkaDelivery delivery)
    {
        if (delivery.Lease.IsRevoked)
        {
            return;
        }

        Interlocked.Increment(ref _queued);
        if (!_ready.Writer.TryWrite(delivery))
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private void Run()
    {
        try
        {
            _consumer.Subscribe(Topic);
            _nextCommit = DateTime.UtcNow + _options.CommitInterval;
            while (!_stop.IsCancellationRequested)
            {
                ConsumeOnce();
                CommitInitialOffsets();
                if (DateTime.UtcNow >= _nextCommit)
                {
                    CommitAcknowledged(_owned.Values);
                    _nextCommit = DateTime.UtcNow + _options.CommitInterval;
                }

                ApplyBackpressure();
            }
        }
        catch (Exception e)
        {
            Log.ConsumerFailed(_logger, e, Topic, Group);
            _joined.TrySetException(e);
        }
        finally
        {
            Close();
        }
    }

    private void ConsumeOnce()
    {
        ConsumeResult<byte[]?, byte[]?>? record;
        try
        {
            record = _consumer.Consume(PollInterval);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            Log.ConsumeError(_logger, Topic, Group, e.Error.Reason);
            return;
        }

        if (record is null || record.IsPartitionEOF || !_owned.TryGetValue(record.Partition.Value, out var lease))
        {
            return;
        }

        if (lease.Tracker.HandOut(record.Offset.Value))
        {
            Enqueue(new KafkaDelivery(record, lease, this, 1));
        }
    }

    private void ApplyBackpressure()
    {
        var queued = Volatile.Read(ref _queued);
        if (!_paused && queued >= _options.Prefetch && !WaitForRoom())
        {
            _consumer.Pause(_consumer.Assignment);
            _paused = true;
        }
        else if (_paused && queued <= _options.Prefetch / 2)
        {
            _consumer.Resume(_consumer.Assignment);
            _paused = false;
        }
    }

    /// <summary>Waits up to <see cref="StallBeforePause"/> for the queue to drain to half; false when it did not (or on stop).</summary>
    private bool WaitForRoom()
    {
        _room.Reset();
        if (Volatile.Read(ref _queued) <= _options.Prefetch / 2)
        {
            return true;
        }

        try
        {
            return _room.Wait(StallBeforePause, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Close()
    {
        try
        {
            // Triggers the revocation of every owned partition, which commits the acknowledged prefix.
            _consumer.Close();
        }
        catch (Exception e)
        {
            Log.ConsumerFailed(_logger, e, Topic, Group);
        }
        finally
        {
            _consumer.Dispose();
            _room.Dispose();
            _ready.Writer.TryComplete();
            _joined.TrySetException(new BrokerClosedException($"kafka consumer of topic {Topic}, group {Group}"));
            _stopped.TrySetResult();
        }
    }
}
