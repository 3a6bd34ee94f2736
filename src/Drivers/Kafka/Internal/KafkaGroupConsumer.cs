using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// One Kafka consumer (one member of a Kafka consumer group) for one topic, shared by every subscriber of that topic and
/// group on one driver. Its own thread runs the blocking Consume loop, the rebalance callbacks and every commit; records
/// go to a channel that the subscribers' readers take from (and map to messages, off this thread), so no handler ever
/// runs on that thread. Fetching pauses while <see cref="Prefetch"/> records wait in the channel.
/// <para>Commits: every <see cref="KafkaSettings.CommitInterval"/>, and when partitions are revoked or the consumer
/// closes, each owned partition's first unacknowledged offset is committed explicitly (auto-commit is off), so a
/// commit never passes a record that was not handled.</para>
/// <para>A failure of the consumer ends its subscribers' sources with <see cref="ConnectionLostException"/>: the core
/// then opens new ones, on a new consumer.</para>
/// </summary>
internal sealed partial class KafkaGroupConsumer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private const int MaxBurst = 256;

    // With the queue full, the consume thread first waits this long for handlers to make room. Pausing the assignment
    // makes librdkafka drop what it has prefetched and fetch it again later (stalls of ~0.5 s per pause were measured),
    // so it is kept for handlers that are really stuck; the wait stays far below max.poll.interval.ms.
    private static readonly TimeSpan StallBeforePause = TimeSpan.FromSeconds(1);

    private readonly KafkaSettings _settings;
    private readonly ILogger _logger;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Channel<KafkaRecord> _ready = Channel.CreateUnbounded<KafkaRecord>(new UnboundedChannelOptions { AllowSynchronousContinuations = false });
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _room = new(false);

    // Consume thread only.
    private readonly Dictionary<int, PartitionLease> _owned = [];
    private readonly List<PartitionLease> _needInitialCommit = [];
    private readonly List<KafkaRecord> _burst = [];
    private DateTime _nextCommit;
    private bool _paused;
    private volatile bool _closing;
    private ConnectionLostException? _failure;

    private int _queued;
    private int _inFlight;
    private int _asked;

    public KafkaGroupConsumer(KafkaSettings settings, string bootstrap, string topic, string group, StartPosition startFrom, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
        Topic = topic;
        Group = group;
        StartFrom = startFrom;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings.Consumer(bootstrap, group, startFrom))
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
    public int Sources { get; private set; }

    /// <summary>Whether it stopped or is stopping (closed, or failed): a new subscriber needs a new consumer.</summary>
    public bool IsStopped => _stop.IsCancellationRequested || _stopped.Task.IsCompleted;

    /// <summary>Deliveries handed to handlers and not settled yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes once the first assignment is in effect and its start offsets are committed.</summary>
    public Task Joined => _joined.Task;

    /// <summary>Records fetched ahead of the handlers: the prefetch option, raised to what the subscribers ask for.</summary>
    private int Prefetch => Math.Max(_settings.Prefetch, Volatile.Read(ref _asked));

    /// <summary>A subscriber that needs <paramref name="prefetch"/> records ahead joins; under the driver's lock.</summary>
    public void Join(int prefetch)
    {
        Sources++;
        Volatile.Write(ref _asked, _asked + prefetch);
    }

    /// <summary>A subscriber leaves; true when it was the last. Under the driver's lock.</summary>
    public bool Leave(int prefetch)
    {
        Volatile.Write(ref _asked, _asked - prefetch);
        return --Sources == 0;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _ready.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next queued record whose partition is still owned, as a delivery; stale ones are dropped.</summary>
    public bool TryTake(out KafkaDelivery delivery)
    {
        while (_ready.Reader.TryRead(out var next))
        {
            if (Interlocked.Decrement(ref _queued) <= Prefetch / 2)
            {
                _room.Set();
            }

            if (next.Lease.TryTake())
            {
                Interlocked.Increment(ref _inFlight);
                delivery = new KafkaDelivery(next.Record, next.Lease, this, next.Attempt);
                return true;
            }
        }

        delivery = null!;
        return false;
    }

    /// <summary>A delivery taken by <see cref="TryTake"/> was settled.</summary>
    public void Settled(PartitionLease lease)
    {
        lease.Settled();
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>
    /// Hands <paramref name="record"/> out again after <paramref name="delay"/>, unless its partition is gone by then.
    /// Never faults: callers do not wait for it.
    /// </summary>
    public async Task RedeliverAsync(KafkaRecord record, TimeSpan delay)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }

            Enqueue(record);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the record stays uncommitted, so the group gets it again.
        }
    }

    /// <summary>Leaves the group: commits what was acknowledged and closes. Records not acknowledged stay uncommitted.</summary>
    public Task StopAsync()
    {
        _closing = true;
        _stop.Cancel();
        return _stopped.Task;
    }

    private void Enqueue(KafkaRecord record)
    {
        if (record.Lease.IsRevoked)
        {
            return;
        }

        Interlocked.Increment(ref _queued);
        if (!_ready.Writer.TryWrite(record))
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private void Run()
    {
        try
        {
            _consumer.Subscribe(Topic);
            _nextCommit = DateTime.UtcNow + _settings.CommitInterval;
            while (!_stop.IsCancellationRequested)
            {
                ConsumeOnce();
                CommitInitialOffsets();
                if (DateTime.UtcNow >= _nextCommit)
                {
                    CommitAcknowledged(_owned.Values);
                    _nextCommit = DateTime.UtcNow + _settings.CommitInterval;
                }

                ApplyBackpressure();
            }
        }
        catch (Exception e)
        {
            Log.ConsumerFailed(_logger, e, Topic, Group);
            _failure = new ConnectionLostException("kafka", $"The Kafka consumer of topic {Topic}, group {Group} stopped: {e.Message}", e);
            _stop.Cancel();
        }
        finally
        {
            Close();
        }
    }

    /// <summary>
    /// Takes what librdkafka already holds, up to the room left, and only then hands it to the readers: a reader that
    /// keeps up is woken once per burst rather than once per record (each wake costs more than handling a record).
    /// </summary>
    private void ConsumeOnce()
    {
        var room = Math.Clamp(Prefetch - Volatile.Read(ref _queued), 1, MaxBurst);
        var timeout = PollInterval;
        while (_burst.Count < room)
        {
            ConsumeResult<byte[]?, byte[]?>? record;
            try
            {
                record = _consumer.Consume(timeout);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                Log.ConsumeError(_logger, Topic, Group, e.Error.Reason);
                break;
            }

            if (record is null)
            {
                break;
            }

            timeout = TimeSpan.Zero;
            if (!record.IsPartitionEOF && _owned.TryGetValue(record.Partition.Value, out var lease) && lease.Tracker.HandOut(record.Offset.Value))
            {
                _burst.Add(new KafkaRecord(record, lease, 1));
            }
        }

        foreach (var record in _burst)
        {
            Enqueue(record);
        }

        _burst.Clear();
    }

    private void ApplyBackpressure()
    {
        var queued = Volatile.Read(ref _queued);
        if (!_paused && queued >= Prefetch && !WaitForRoom())
        {
            _consumer.Pause(_consumer.Assignment);
            _paused = true;
        }
        else if (_paused && queued <= Prefetch / 2)
        {
            _consumer.Resume(_consumer.Assignment);
            _paused = false;
        }
    }

    /// <summary>Waits up to <see cref="StallBeforePause"/> for the queue to drain to half; false when it did not (or on stop).</summary>
    private bool WaitForRoom()
    {
        _room.Reset();
        if (Volatile.Read(ref _queued) <= Prefetch / 2)
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
            _ready.Writer.TryComplete(_failure);
            _joined.TrySetException(_failure ?? (Exception)new BrokerClosedException($"kafka consumer of topic {Topic}, group {Group}"));
            _stopped.TrySetResult();
        }
    }
}
