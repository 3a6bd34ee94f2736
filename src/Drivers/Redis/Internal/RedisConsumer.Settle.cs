using System.Diagnostics;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Settling: acks are XACKs grouped by a <see cref="CommandBatcher{T}"/>; a nack leaves the entry pending (and leased)
/// until its delay is over, then the read loop claims it again for the next attempt; a release makes the entry
/// claimable by any consumer of the group at once (XCLAIM with IDLE = claimIdle), without counting the attempt.
/// </summary>
internal sealed partial class RedisConsumer
{
    private readonly CommandBatcher<RedisValue> _acks;
    private readonly CommandBatcher<Release> _releases;
    private readonly object _delayLock = new();
    private readonly PriorityQueue<Delayed, long> _delayed = new();
    private readonly Dictionary<string, Delayed> _delayedById = new(StringComparer.Ordinal);

    public ValueTask AckAsync(RedisDelivery delivery)
    {
        Forget(delivery);
        return _acks.AddAsync(delivery.EntryId);
    }

    public ValueTask NackAsync(RedisDelivery delivery, TimeSpan delay)
    {
        Forget(delivery);
        var id = delivery.EntryId.ToString();
        var due = Stopwatch.GetTimestamp() + Ticks(delay);
        lock (_delayLock)
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                var entry = new Delayed(id, delivery.Message.DeliveryAttempt, due, delay == TimeSpan.Zero);
                _delayed.Enqueue(entry, due);
                _delayedById[id] = entry;
                _wake.Set();
                return default;
            }
        }

        // Closing already: whoever claims it next waits out the delay.
        return ReleaseLaterAsync(id, delivery.Message.DeliveryAttempt, delay);
    }

    /// <summary>Hands the entry to the group at once; the attempt it was delivered for is not counted (no verdict was reached).</summary>
    public async ValueTask ReleaseAsync(RedisDelivery delivery)
    {
        Forget(delivery);
        try
        {
            await _releases.AddAsync(new Release(delivery.EntryId, delivery.Message.DeliveryAttempt - 1, (long)_settings.ClaimIdle.TotalMilliseconds)).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisDriver.IsConnectionError(e) || e is RedisServerException)
        {
            // Still pending under this consumer's name: its successor on this driver claims it (see RetireAsync).
            Interlocked.Exchange(ref _lost, 1);
            Log.SettleFailed(_logger, "Releasing", delivery.EntryId.ToString(), Key.ToString(), e.Message);
        }
    }

    private void Forget(RedisDelivery delivery)
    {
        _held.TryRemove(delivery.EntryId.ToString(), out _);
        if (Volatile.Read(ref _waitingForRoom) == 1)
        {
            _wake.Set();
        }
    }

    private Task SendAcksAsync(IReadOnlyList<RedisValue> ids) => _db.StreamAcknowledgeAsync(Key, Group, [.. ids]);

    private async Task SendReleasesAsync(IReadOnlyList<Release> releases)
    {
        foreach (var same in releases.GroupBy(r => (r.RetryCount, r.IdleMs)))
        {
            foreach (var chunk in same.Chunk(MaxIdsPerCommand))
            {
                var args = new List<object>(chunk.Length + 10) { Key, Group, Name, 0 };
                args.AddRange(chunk.Select(r => (object)r.Id));
                args.AddRange(["IDLE", same.Key.IdleMs, "RETRYCOUNT", Math.Max(0, same.Key.RetryCount), "JUSTID"]);
                await _db.ExecuteAsync("XCLAIM", args).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ReleaseLaterAsync(string id, int attempt, TimeSpan remaining)
    {
        try
        {
            // Counted (it was a verdict), and idle enough that it becomes claimable when the delay is over.
            var idle = Math.Max(0, (long)(_settings.ClaimIdle - remaining).TotalMilliseconds);
            await _releases.AddAsync(new Release(id, attempt, idle)).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisDriver.IsConnectionError(e) || e is RedisServerException)
        {
            Interlocked.Exchange(ref _lost, 1);
            Log.SettleFailed(_logger, "Releasing", id, Key.ToString(), e.Message);
        }
    }

    /// <summary>At close: nacked entries go back to the group, claimable once their delay is over.</summary>
    private async Task ReleaseDelayedAsync()
    {
        List<Delayed> left;
        lock (_delayLock)
        {
            left = [.. _delayedById.Values];
            _delayed.Clear();
            _delayedById.Clear();
        }

        // A zero delay at close is the core handing back a handler cancelled by the shutdown: not counted.
        await Task.WhenAll(left.Select(entry => (entry.Immediate
            ? ReleaseLaterAsync(entry.Id, entry.Attempt - 1, TimeSpan.Zero)
            : ReleaseLaterAsync(entry.Id, entry.Attempt, Until(entry.Due))).AsTask())).ConfigureAwait(false);
    }

    /// <summary>Claims the nacked entries whose delay is over and hands them out again for their next attempt.</summary>
    private async Task<int> RedeliverDueAsync(CancellationToken token)
    {
        List<Delayed>? due = null;
        var now = Stopwatch.GetTimestamp();
        lock (_delayLock)
        {
            while (_delayed.TryPeek(out var next, out var at) && at <= now)
            {
                _delayed.Dequeue();
                if (_delayedById.Remove(next.Id))
                {
                    (due ??= []).Add(next);
                }
            }
        }

        if (due is null)
        {
            return 0;
        }

        var attempts = due.ToDictionary(d => d.Id, d => d.Attempt, StringComparer.Ordinal);
        var entries = await _db.StreamClaimAsync(Key, Group, Name, 0, [.. due.Select(d => (RedisValue)d.Id)]).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            if (!entry.IsNull && attempts.TryGetValue(entry.Id.ToString(), out var attempt))
            {
                await WriteAsync(entry, attempt + 1, token).ConfigureAwait(false);
            }
        }

        return entries.Length;
    }

    private TimeSpan UntilNextDue()
    {
        lock (_delayLock)
        {
            return _delayed.TryPeek(out _, out var at) ? Until(at) : TimeSpan.MaxValue;
        }
    }

    private List<string> DelayedIds()
    {
        lock (_delayLock)
        {
            return [.. _delayedById.Keys];
        }
    }

    private bool IsDelayed(string id)
    {
        lock (_delayLock)
        {
            return _delayedById.ContainsKey(id);
        }
    }

    /// <summary>An entry to hand back: XCLAIM to itself with this idle time and delivery count.</summary>
    private readonly record struct Release(RedisValue Id, int RetryCount, long IdleMs);

    /// <summary>A nacked entry waiting out its delay.</summary>
    private sealed record Delayed(string Id, int Attempt, long Due, bool Immediate);
}
