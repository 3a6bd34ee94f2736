using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Claiming what other consumers of the group left pending: entries a closed consumer released (idle at once), entries
/// of a consumer that died (idle beyond claimIdle, since nobody extends their lease), and the entries of this driver's
/// own consumers that ended with the connection (claimed at once: nobody else holds them). The attempt of a claimed
/// entry is its delivery count in the pending entries list plus one, so it survives any process; an entry whose last
/// allowed attempt never reached a verdict (its consumer died every time) is dead-lettered here, since no handler
/// would ever fail it.
/// </summary>
internal sealed partial class RedisConsumer
{
    private const int MaxClaimPerRound = 100;

    // Deletes the group's consumers idle for at least ARGV[2] ms with nothing pending, in one atomic step (a consumer
    // deleted with entries pending would lose them from the group).
    private const string RemoveExpiredScript = """
        local removed = 0
        for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
          local fields = {}
          for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
          if fields['pending'] == 0 and fields['idle'] >= tonumber(ARGV[2]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], fields['name'])
            removed = removed + 1
          end
        end
        return removed
        """;

    private async Task<int> ClaimAsync(int room, CancellationToken token)
    {
        var claimed = 0;
        foreach (var orphan in _driver.TakeOrphans(Key, Group))
        {
            var left = await _db.StreamPendingMessagesAsync(Key, Group, Math.Max(1, room - claimed), orphan).ConfigureAwait(false);
            if (left.Length == 0)
            {
                await _db.StreamDeleteConsumerAsync(Key, Group, orphan).ConfigureAwait(false);
                continue;
            }

            claimed += await ClaimEntriesAsync([.. left.Select(p => new PendingEntry(p.MessageId, p.DeliveryCount))], 0, token).ConfigureAwait(false);
            _driver.AddOrphan(Key, Group, orphan); // until it is found empty
        }

        if (room - claimed <= 0)
        {
            return claimed;
        }

        var idleMs = (long)_settings.ClaimIdle.TotalMilliseconds;
        var idle = await IdlePendingAsync(Math.Min(room - claimed, MaxClaimPerRound), idleMs).ConfigureAwait(false);
        return claimed + await ClaimEntriesAsync(idle, idleMs, token).ConfigureAwait(false);
    }

    // XPENDING with IDLE (Redis 6.2), sent raw: StackExchange.Redis 2.8 has no overload for it. Each reply row is
    // [id, consumer, idle ms, delivery count].
    private async Task<PendingEntry[]> IdlePendingAsync(int count, long minIdleMs)
    {
        var rows = (RedisResult[])(await _db.ExecuteAsync("XPENDING", Key, Group, "IDLE", minIdleMs, "-", "+", count).ConfigureAwait(false))!;
        return [.. rows.Select(r => (RedisResult[])r!).Select(r => new PendingEntry((RedisValue)r[0], (int)r[3]))];
    }

    private readonly record struct PendingEntry(RedisValue MessageId, int DeliveryCount);

    private async Task<int> ClaimEntriesAsync(PendingEntry[] pending, long minIdleMs, CancellationToken token)
    {
        // Never its own: an entry this consumer holds is idle only because its lease could not be extended.
        var candidates = pending.Where(p => !_held.ContainsKey(p.MessageId.ToString()) && !IsDelayed(p.MessageId.ToString())).ToArray();
        if (candidates.Length == 0)
        {
            return 0;
        }

        var counts = candidates.ToDictionary(p => p.MessageId.ToString(), p => p.DeliveryCount, StringComparer.Ordinal);
        // The min idle time makes the claim lose to any consumer that touched the entry since XPENDING looked.
        var entries = await _db.StreamClaimAsync(Key, Group, Name, minIdleMs, [.. candidates.Select(p => p.MessageId)]).ConfigureAwait(false);
        var handedOut = 0;
        foreach (var entry in entries)
        {
            if (entry.IsNull || !counts.TryGetValue(entry.Id.ToString(), out var deliveries))
            {
                continue;
            }

            if (deliveries >= _spec.MaxDeliveryAttempts)
            {
                await DeadLetterAbandonedAsync(entry, deliveries).ConfigureAwait(false);
                continue;
            }

            await WriteAsync(entry, deliveries + 1, token).ConfigureAwait(false);
            handedOut++;
        }

        if (entries.Length > 0)
        {
            Log.EntriesClaimed(_logger, Name, entries.Length, Group, Key.ToString());
        }

        return handedOut;
    }

    /// <summary>
    /// The entry had its last attempt and no verdict came (each consumer that took it died): dead-letter it as the core
    /// would, then acknowledge it. A crash between the two leaves it pending, so the worst case is a second dead letter.
    /// </summary>
    private async Task DeadLetterAbandonedAsync(StreamEntry entry, int deliveries)
    {
        var message = StreamMapping.FromEntry(Topic, entry, deliveries, out _);
        var topic = _spec.Options.EffectiveDeadLetterTopic;
        var error = new DeliveryAttemptsExhaustedException(message.Id, deliveries + 1, _spec.MaxDeliveryAttempts);
        try
        {
            await _driver.PublishAsync(topic, Middleware.DeadLetter.Create(message, error, Group, DateTimeOffset.UtcNow), CancellationToken.None).ConfigureAwait(false);
            await _db.StreamAcknowledgeAsync(Key, Group, entry.Id).ConfigureAwait(false);
            Log.DeadLetteredUnsettled(_logger, entry.Id.ToString(), message.Id, Key.ToString(), deliveries, Group, topic);
        }
        catch (Exception e) when (e is PublishException || RedisDriver.IsConnectionError(e) || e is RedisServerException)
        {
            // Left pending under this consumer and never leased: claimed again after claimIdle, and dead-lettered then.
            Log.MaintenanceFailed(_logger, Name, Group, Key.ToString(), "dead-lettering an abandoned entry", e.Message);
        }
    }

    private async Task RemoveExpiredConsumersAsync()
    {
        try
        {
            var removed = (long)await _db.ScriptEvaluateAsync(RemoveExpiredScript, [Key], [Group, (long)_settings.ConsumerExpiry.TotalMilliseconds]).ConfigureAwait(false);
            if (removed > 0)
            {
                Log.ConsumersRemoved(_logger, (int)removed, Group, Key.ToString());
            }
        }
        catch (RedisServerException e)
        {
            // Scripting not allowed for this user (ACL), say: expired consumers stay listed, nothing else suffers.
            Log.MaintenanceFailed(_logger, Name, Group, Key.ToString(), "removing expired consumers", e.Message);
        }
    }

    /// <summary>
    /// After close: leave the group when nothing is pending under this name; when the connection was lost, leave the
    /// name to the driver, whose next consumer of the group claims what is left under it at once.
    /// </summary>
    private async Task RetireAsync()
    {
        if (Volatile.Read(ref _lost) == 1)
        {
            _driver.AddOrphan(Key, Group, Name);
            return;
        }

        try
        {
            // Nothing else claims to this name any more, so an empty list stays empty until the deletion.
            if ((await _db.StreamPendingMessagesAsync(Key, Group, 1, Name).ConfigureAwait(false)).Length == 0)
            {
                await _db.StreamDeleteConsumerAsync(Key, Group, Name).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (RedisDriver.IsConnectionError(e) || e is RedisServerException)
        {
            // Left in the group; removed once idle for consumerExpiry.
            Log.MaintenanceFailed(_logger, Name, Group, Key.ToString(), "leaving the group", e.Message);
        }
    }
}
