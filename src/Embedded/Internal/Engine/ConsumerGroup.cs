using Microsoft.Extensions.Logging;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// One consumer group of a topic: which offsets are settled (durably, through <see cref="GroupStore"/>), which
/// are in flight with whom and until when, and which wait for redelivery. Its consumers compete for deliveries;
/// records are handed out in offset order per partition, redeliveries first. One lock guards the state; disk
/// reads of new records happen under it in batches. Split into partial files: dispatch, settlement.
/// </summary>
internal sealed partial class ConsumerGroup : IDisposable
{
    private const int ReadBatch = 256;
    private const long CheckpointJournalBytes = 4 * 1024 * 1024;

    private readonly object _lock = new();
    private readonly EngineTopic _topic;
    private readonly GroupStore _store;
    private readonly GroupSnapshot _state;
    private readonly Cursor[] _cursors;
    private readonly Dictionary<(int, long), InFlight> _inFlight = [];
    private readonly Queue<(int Partition, LogRecord Record)> _ready = new();
    private readonly PriorityQueue<(int Partition, LogRecord Record), long> _delayed = new();
    private readonly Timer _delayTimer;
    private readonly ILogger _log;
    // Waiting consumers, longest-waiting first. An arrival wakes one of them, and a consumer that takes a delivery
    // wakes the next while more is deliverable: hand-outs rotate among consumers instead of going to whichever
    // thread happens to run first (which, with continuations queued LIFO on a pool thread, was always the last winner).
    private readonly LinkedList<TaskCompletionSource> _waitQueue = new();
    private (int Partition, long Offset)? _retained;
    private bool _retainedAcknowledged;
    private long _armedFor = long.MaxValue;
    private int _waiters;
    private long _tokens;
    private int _nextPartition;
    private int _members;

    public ConsumerGroup(EngineTopic topic, string name, string directory, StartPosition startFrom, ILogger log)
    {
        _topic = topic;
        _log = log;
        Name = name;
        var logs = Enumerable.Range(0, topic.Log.PartitionCount).Select(p => topic.Log[p]).ToArray();
        _store = GroupStore.Open(
            directory,
            () => logs.Select(l => startFrom == StartPosition.Earliest ? l.StartOffset : l.NextOffset).ToArray(),
            topic.Engine.Settings.Flush != FlushPolicy.Never,
            out _state);
        _cursors = logs.Select((l, p) => new Cursor(p, l, Math.Max(_state.Committed[p], l.StartOffset))).ToArray();
        for (var p = 0; p < _cursors.Length; p++)
        {
            _state.SkipTo(p, logs[p].StartOffset);
        }

        _delayTimer = new Timer(_ => ReleaseDue(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public string Name { get; }

    public string Topic => _topic.Name;

    /// <summary>Messages published to the group and not yet settled.</summary>
    public long Backlog
    {
        get
        {
            lock (_lock)
            {
                long total = 0;
                for (var p = 0; p < _cursors.Length; p++)
                {
                    total += _cursors[p].Log.NextOffset - _state.Committed[p] - _state.SettledAbove[p].Count;
                }

                return total;
            }
        }
    }

    /// <summary>Deliveries handed to a consumer and not yet settled.</summary>
    public int InFlightCount
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Consumers attached now (in this process).</summary>
    public int Members => Volatile.Read(ref _members);

    /// <summary>Makes the topic's retained message the first delivery of this (new) group.</summary>
    public void OfferRetained(int partition, LogRecord record)
    {
        lock (_lock)
        {
            // Below the new group's start (or in a segment retention deleted), so it counts as settled: it is tracked on
            // its own until acknowledged, and delivered from the topic's copy rather than read from the log.
            if (record.Offset < _cursors[partition].Position)
            {
                _retained = (partition, record.Offset);
                _ready.Enqueue((partition, record));
            }
        }
    }

    /// <summary>Wakes consumers waiting for deliveries (new records, redeliveries).</summary>
    public void Pulse()
    {
        // A full fence (not just a volatile read): pairs with the waiter's increment so no wake-up is lost.
        if (Interlocked.CompareExchange(ref _waiters, 0, 0) == 0)
        {
            return;
        }

        TaskCompletionSource? waiting;
        lock (_lock)
        {
            waiting = TakeWaiterLocked();
        }

        waiting?.TrySetResult();
    }

    /// <summary>Wakes every waiting consumer: the safety net against a missed wake-up.</summary>
    public void PulseAll()
    {
        List<TaskCompletionSource> waiting = [];
        lock (_lock)
        {
            while (TakeWaiterLocked() is { } waiter)
            {
                waiting.Add(waiter);
            }
        }

        foreach (var waiter in waiting)
        {
            waiter.TrySetResult();
        }
    }

    private TaskCompletionSource? TakeWaiterLocked()
    {
        var first = _waitQueue.First;
        if (first is null)
        {
            return null;
        }

        _waitQueue.RemoveFirst();
        return first.Value;
    }

    /// <summary>
    /// A record was appended to <paramref name="partition"/>. It is not readable yet (it becomes so once the writer has
    /// written or fsynced it), so a waiting consumer needs waking only to arm its watch on that partition's durable end
    /// (<see cref="WatchUnflushedLocked"/>); a watch already armed wakes it when it fires. Without this, every publish
    /// woke every waiting consumer to find nothing readable, about one wake-up per message under qos 1.
    /// </summary>
    public void Appended(int partition)
    {
        // Full fence, as in Pulse: pairs with the waiter's increment (made before it reads the log's next offset).
        if (Interlocked.CompareExchange(ref _waiters, 0, 0) == 0 || _cursors[partition].DurableWaitPending)
        {
            return;
        }

        Pulse();
    }

    /// <summary>Redelivers deliveries whose visibility timeout passed (called by the engine's maintenance).</summary>
    public void SweepExpiredDeliveries(long nowMs)
    {
        var expired = 0;
        lock (_lock)
        {
            foreach (var (key, flight) in _inFlight.ToArray())
            {
                if (flight.Deadline <= nowMs)
                {
                    _inFlight.Remove(key);
                    LeftInFlightLocked(flight);
                    RequeueLocked(key.Item1, flight.Record);
                    expired++;
                }
            }
        }

        if (expired > 0)
        {
            EngineLog.VisibilityExpired(_log, _topic.Name, Name, expired);
        }

        // Also the safety net of waiting consumers: called every second, it bounds what a missed pulse could cost.
        PulseAll();
    }

    /// <summary>Writes a checkpoint when the journal has grown, so replay at start stays short.</summary>
    public void Maintain(bool force)
    {
        _store.Flush();
        if (force || _store.JournalBytes > CheckpointJournalBytes)
        {
            lock (_lock)
            {
                _store.Checkpoint(_state);
            }
        }
    }

    /// <summary>Writes a checkpoint if the journal has grown past its limit (no flush of its own, unlike <see cref="Maintain"/>).</summary>
    public void CheckpointIfLarge()
    {
        if (_store.JournalBytes > CheckpointJournalBytes)
        {
            lock (_lock)
            {
                _store.Checkpoint(_state);
            }
        }
    }

    public void FlushJournal()
    {
        if (_store.IsDirty)
        {
            _store.Flush();
        }
    }

    /// <summary>The engine stopped: acknowledgements waiting for a flush fail with <paramref name="error"/>, and waiting consumers wake to hear it.</summary>
    public void Stopped(Exception error)
    {
        _store.Fail(error);
        PulseAll();
    }

    public void Dispose()
    {
        _delayTimer.Dispose();
        lock (_lock)
        {
            try
            {
                _store.Checkpoint(_state);
            }
            catch (Exception e) when (e is IOException or StorageException)
            {
                // A full disk, say: the journal still holds every settlement, so nothing is lost by going on.
                EngineLog.MaintenanceFailed(_log, e, _topic.Engine.Settings.DataDirectory);
            }
            finally
            {
                try
                {
                    _store.Dispose();
                }
                catch (Exception e) when (e is IOException or StorageException)
                {
                    // Settlements that could not be written are redelivered after a restart: at least once, never lost.
                    EngineLog.MaintenanceFailed(_log, e, _topic.Engine.Settings.DataDirectory);
                }
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Read position of one partition, and records read ahead of it.</summary>
    private sealed class Cursor(int partition, SegmentedLog log, long position)
    {
        public int Partition { get; } = partition;

        public SegmentedLog Log { get; } = log;

        public long Position { get; set; } = position;

        public Queue<LogRecord> Buffer { get; } = new();

        public LogRecord? Next { get; set; }

        private volatile bool _durableWaitPending;

        /// <summary>A watch on the durable end is armed; read without the group's lock by <see cref="Appended"/>.</summary>
        public bool DurableWaitPending
        {
            get => _durableWaitPending;
            set => _durableWaitPending = value;
        }
    }

    /// <summary>A delivery handed out: its token, visibility deadline, holder, record and key lane (-1 when none is held).</summary>
    private sealed record InFlight(long Token, long Deadline, EmbeddedConsumer Consumer, LogRecord Record, int Lane, int Attempt)
    {
        /// <summary>Whether a handler started on it, so its attempt is counted. Guarded by the group's lock.</summary>
        public bool Started { get; set; }
    }
}
