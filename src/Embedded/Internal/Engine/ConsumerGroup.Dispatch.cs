using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>Handing out deliveries: redeliveries first, then new records round-robin over partitions.</summary>
internal sealed partial class ConsumerGroup
{
    public bool TryRead(EmbeddedConsumer consumer, out EmbeddedDelivery? delivery)
    {
        TaskCompletionSource? next = null;
        bool found;
        lock (_lock)
        {
            found = TryReadLocked(consumer, out delivery);
            if (found && _waitQueue.First is not null && HasDeliverableLocked(null))
            {
                next = TakeWaiterLocked();
            }
        }

        next?.TrySetResult();
        PulseIfLanesChanged();
        return found;
    }

    private bool TryReadLocked(EmbeddedConsumer consumer, out EmbeddedDelivery? delivery)
    {
        delivery = null;
        if (consumer.IsClosed || _topic.Engine.Fault is not null)
        {
            return false;
        }

        if (consumer.Ordered)
        {
            return TryReadOrderedLocked(consumer, take: true, out delivery);
        }

        while (_ready.TryDequeue(out var redelivery))
        {
            if (IsPendingLocked(redelivery.Partition, redelivery.Record))
            {
                delivery = Hand(consumer, redelivery.Partition, redelivery.Record, LaneMode ? LaneOf(redelivery.Record) : -1);
                return true;
            }
        }

        if (_parkedCount > 0 && TryTakeParkedLocked(consumer, out delivery))
        {
            return true;
        }

        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < _cursors.Length; i++)
        {
            var cursor = _cursors[(_nextPartition + i) % _cursors.Length];
            if (FillNext(cursor, nowMs))
            {
                _nextPartition = (cursor.Partition + 1) % _cursors.Length;
                var record = cursor.Next!;
                cursor.Next = null;
                delivery = Hand(consumer, cursor.Partition, record, LaneMode ? LaneOf(record) : -1);
                return true;
            }
        }

        return false;
    }

    public async ValueTask<bool> WaitToReadAsync(EmbeddedConsumer consumer, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task signal;
            LinkedListNode<TaskCompletionSource> node;
            lock (_lock)
            {
                if (consumer.IsClosed)
                {
                    return false;
                }

                // Checked under the lock that the engine's stop takes to wake waiters, so no waiter misses it. A
                // stopped engine hands nothing out: it could not settle it (not even at qos 0, where handing out settles).
                if (_topic.Engine.StoppedError() is { } stopped)
                {
                    throw stopped;
                }

                if (HasDeliverableLocked(consumer))
                {
                    return true;
                }

                node = _waitQueue.AddLast(NewSignal());
                signal = node.Value.Task;
                Interlocked.Increment(ref _waiters);
                if (HasDeliverableLocked(consumer))
                {
                    _waitQueue.Remove(node);
                    Interlocked.Decrement(ref _waiters);
                    return true;
                }

                WatchUnflushedLocked();
            }

            // Records this consumer parked for other members: wake them.
            PulseIfLanesChanged();

            try
            {
                // Every arrival pulses; the engine's maintenance also pulses every second, which bounds the cost of
                // a missed pulse (a timeout per wait did the same at the price of a timer per wait).
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    if (node.List is not null)
                    {
                        _waitQueue.Remove(node);
                    }
                }

                Interlocked.Decrement(ref _waiters);
            }
        }
    }

    private bool HasDeliverableLocked(EmbeddedConsumer? consumer)
    {
        if (consumer is { Ordered: true })
        {
            return TryReadOrderedLocked(consumer, take: false, out _);
        }

        if (_ready.Count > 0 || _parkedCount > 0)
        {
            return true;
        }

        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var cursor in _cursors)
        {
            if (FillNext(cursor, nowMs))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Records appended but not yet visible (durable) do not wake anyone by themselves: wait for each such
    /// partition's next offset to become durable, then pulse.
    /// </summary>
    private void WatchUnflushedLocked()
    {
        foreach (var cursor in _cursors)
        {
            if (cursor.DurableWaitPending || cursor.Position >= cursor.Log.NextOffset || cursor.Position < VisibleEnd(cursor.Log))
            {
                continue;
            }

            cursor.DurableWaitPending = true;
            var wait = cursor.Log.WaitForDurableAsync(cursor.Position).AsTask();
            _ = wait.ContinueWith(
                (t, state) =>
                {
                    var c = (Cursor)state!;
                    lock (_lock)
                    {
                        c.DurableWaitPending = false;
                    }

                    Pulse();
                },
                cursor,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private long VisibleEnd(SegmentedLog log) =>
        _topic.Engine.Settings.Flush == FlushPolicy.Never ? log.ReadableEndOffset : log.DurableEndOffset;

    /// <summary>Makes <c>cursor.Next</c> the next deliverable record, skipping settled, expired and delayed ones.</summary>
    private bool FillNext(Cursor cursor, long nowMs)
    {
        while (cursor.Next is null)
        {
            if (cursor.Buffer.Count == 0 && !ReadAhead(cursor))
            {
                return false;
            }

            var record = cursor.Buffer.Dequeue();
            cursor.Position = record.Offset + 1;
            if (_state.IsSettled(cursor.Partition, record.Offset))
            {
                continue;
            }

            if (record.ExpiresAt != 0 && record.ExpiresAt <= nowMs)
            {
                SettleLocked(cursor.Partition, record.Offset);
                _topic.CountExpired();
                continue;
            }

            if (record.DeliverAt > nowMs)
            {
                ScheduleLocked(cursor.Partition, record, record.DeliverAt);
                continue;
            }

            cursor.Next = record;
        }

        return true;
    }

    private bool ReadAhead(Cursor cursor)
    {
        var end = VisibleEnd(cursor.Log);
        if (cursor.Position >= end)
        {
            return false;
        }

        try
        {
            foreach (var record in cursor.Log.Read(cursor.Position, ReadBatch))
            {
                if (record.Offset < end)
                {
                    cursor.Buffer.Enqueue(record);
                }
            }
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.OffsetOutOfRange)
        {
            // Retention deleted what this group had not consumed yet: it can only go on from the oldest record kept.
            EngineLog.RetentionSkipped(_log, _topic.Name, Name, cursor.Partition, cursor.Position, cursor.Log.StartOffset);
            _state.SkipTo(cursor.Partition, cursor.Log.StartOffset);
            cursor.Position = cursor.Log.StartOffset;
            return cursor.Position < end && ReadAhead(cursor);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Corruption && e.NextValidOffset is { } next)
        {
            // Damaged records cannot be delivered. Say which, loudly, and go on with the next valid one.
            EngineLog.DamagedRecordsSkipped(_log, e, _topic.Name, Name, cursor.Partition, cursor.Position, next);
            for (var offset = cursor.Position; offset < next; offset++)
            {
                SettleLocked(cursor.Partition, offset);
            }

            cursor.Position = next;
            return cursor.Position < end && ReadAhead(cursor);
        }

        return cursor.Buffer.Count > 0;
    }

    private EmbeddedDelivery Hand(EmbeddedConsumer consumer, int partition, LogRecord record, int lane)
    {
        var key = (partition, record.Offset);
        // Counted when a handler starts on it (Started), not here: a delivery handed back unstarted (its consumer
        // closed or died with it still buffered) uses up no attempt.
        var attempt = _state.Attempts.GetValueOrDefault(key) + 1;
        var token = ++_tokens;
        var deadline = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)_topic.Engine.Settings.VisibilityTimeout.TotalMilliseconds;
        var message = RecordCodec.ToMessage(record, _topic.Name, attempt);
        if (consumer.Qos == 0)
        {
            // At most once: settled the moment it is handed out, so it is never delivered again.
            SettleLocked(partition, record.Offset);
        }
        else
        {
            _inFlight[key] = new InFlight(token, deadline, consumer, record, lane, attempt);
            if (lane >= 0)
            {
                _lanes.Took(consumer, lane);
            }
        }

        return new EmbeddedDelivery(this, consumer, partition, record.Offset, token, message);
    }

    private void ScheduleLocked(int partition, LogRecord record, long dueMs)
    {
        _delayed.Enqueue((partition, record), dueMs);
        if (dueMs < _armedFor)
        {
            _armedFor = dueMs;
            var wait = Math.Max(0, dueMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + 1;
            _delayTimer.Change(wait, Timeout.Infinite);
        }
    }

    private void ReleaseDue()
    {
        var released = false;
        lock (_lock)
        {
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            while (_delayed.TryPeek(out var item, out var due) && due <= nowMs)
            {
                _delayed.Dequeue();
                RequeueLocked(item.Partition, item.Record);
                released = true;
            }

            _armedFor = long.MaxValue;
            if (_delayed.TryPeek(out _, out var next))
            {
                _armedFor = next;
                _delayTimer.Change(Math.Max(0, next - nowMs) + 1, Timeout.Infinite);
            }
        }

        if (released)
        {
            Pulse();
        }

        PulseIfLanesChanged();
    }
}
