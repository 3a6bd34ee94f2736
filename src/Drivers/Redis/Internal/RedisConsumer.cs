using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// One subscriber: a named consumer of the group, reading new entries with XREADGROUP into the kit's
/// <see cref="DeliveryBuffer"/>. The multiplexer cannot block (no <c>XREADGROUP BLOCK</c>), so the read loop polls
/// adaptively: again at once while it finds entries, then after pollMin doubling to pollMax, and at once when a
/// publisher's wake-up message, a freed slot or a nack coming due sets its <see cref="WakeSignal"/>. Split by concern:
/// settling in <c>.Settle.cs</c>, claiming other consumers' entries in <c>.Claims.cs</c>.
/// </summary>
internal sealed partial class RedisConsumer : IDeliverySource
{
    private readonly RedisDriver _driver;
    private readonly IDatabase _db;
    private readonly RedisSettings _settings;
    private readonly ConsumerSpec _spec;
    private readonly ILogger _logger;
    private readonly DeliveryBuffer _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly WakeSignal _wake = new();

    // Entries of this consumer in the buffer or with a handler, by entry id: what the lease loop keeps claimed.
    private readonly ConcurrentDictionary<string, RedisDelivery> _held = new(StringComparer.Ordinal);
    private Task _reading = Task.CompletedTask;
    private Task _leasing = Task.CompletedTask;
    private int _waitingForRoom;
    private int _lost;
    private int _closed;

    public RedisConsumer(RedisDriver driver, IDatabase db, ConsumerSpec spec, RedisKey key, string name, int prefetch)
    {
        _driver = driver;
        _db = db;
        _settings = driver.Settings;
        _spec = spec;
        _logger = driver.Logger;
        Key = key;
        Name = name;
        Prefetch = prefetch;
        // Reads stop at the prefetch; the headroom is for nacked entries coming back, which are never refused.
        _buffer = new DeliveryBuffer((int)Math.Min(int.MaxValue, (2L * prefetch) + 64));
        _acks = new CommandBatcher<RedisValue>(SendAcksAsync);
        _releases = new CommandBatcher<Release>(SendReleasesAsync);
    }

    /// <summary>The consumer's name in the group: unique per process and subscription.</summary>
    public string Name { get; }

    public RedisKey Key { get; }

    public string Topic => _spec.Topic;

    public string Group => _spec.Group;

    public int Prefetch { get; }

    private int Room => Prefetch - _held.Count;

    public void Start()
    {
        _reading = Task.Run(ReadLoopAsync);
        _leasing = Task.Run(LeaseLoopAsync);
    }

    /// <summary>New entries may be there (a publisher's wake-up message).</summary>
    public void Wake() => _wake.Set();

    /// <summary>
    /// The connection is gone: the source ends with <see cref="ConnectionLostException"/> (the core resubscribes), and the
    /// entries this consumer holds stay pending under its name, to be claimed by its successor.
    /// </summary>
    public void Lose(string reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0 && Volatile.Read(ref _closed) == 0)
        {
            Log.ConsumerLost(_logger, Name, Group, Key.ToString(), reason);
        }

        _buffer.Fail(new ConnectionLostException(_driver.Scheme, $"The connection of consumer {Name} (group '{Group}', stream '{Key}') was lost: {reason}"));
        _wake.Set();
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => _buffer.TryRead(out delivery);

    /// <summary>
    /// Stops reading, hands back what it holds (claimable by the others at once; nacked entries once their delay is
    /// over), waits for its acknowledgements, then leaves the group if nothing is left under its name.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_reading, _leasing).ConfigureAwait(false);
        await _buffer.DisposeAsync().ConfigureAwait(false);
        await ReleaseDelayedAsync().ConfigureAwait(false);
        await _releases.DrainAsync().ConfigureAwait(false);
        await _acks.DrainAsync().ConfigureAwait(false);
        _driver.Forget(this);
        await RetireAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var token = _stop.Token;
        var idleWait = _settings.PollMin;
        var nextClaim = Stopwatch.GetTimestamp(); // at once: what closed consumers released waits for this one
        var nextCleanup = nextClaim;
        try
        {
            while (!token.IsCancellationRequested && !_buffer.IsClosed)
            {
                var found = await RedeliverDueAsync(token).ConfigureAwait(false) > 0;
                var now = Stopwatch.GetTimestamp();
                if (Room > 0 && now >= nextClaim)
                {
                    found |= await ClaimAsync(Room, token).ConfigureAwait(false) > 0;
                    nextClaim = now + Ticks(_settings.ClaimInterval);
                    if (now >= nextCleanup)
                    {
                        await RemoveExpiredConsumersAsync().ConfigureAwait(false);
                        nextCleanup = now + Ticks(CleanupInterval);
                    }
                }

                var room = Room;
                if (room > 0)
                {
                    var entries = await _db.StreamReadGroupAsync(Key, Group, Name, StreamPosition.NewMessages, room).ConfigureAwait(false);
                    foreach (var entry in entries)
                    {
                        await WriteAsync(entry, 1, token).ConfigureAwait(false);
                    }

                    found |= entries.Length > 0;
                }

                if (found)
                {
                    idleWait = _settings.PollMin;
                    continue;
                }

                var woken = await IdleAsync(room > 0 ? Min(idleWait, Until(nextClaim)) : _settings.PollMax, forRoom: room <= 0, token).ConfigureAwait(false);
                idleWait = woken ? _settings.PollMin : Min(Max(idleWait * 2, TimeSpan.FromMilliseconds(1)), _settings.PollMax);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing.
        }
        catch (Exception e) when (RedisDriver.IsConnectionError(e))
        {
            Lose(e.Message);
        }
        catch (RedisServerException e)
        {
            // NOGROUP (the stream or the group was deleted) and the like: the core opens a new consumer, which creates them.
            Lose(e.Message);
        }
    }

    /// <summary>Waits for the wake signal, at most <paramref name="wait"/> and never past the next nack coming due.</summary>
    private async Task<bool> IdleAsync(TimeSpan wait, bool forRoom, CancellationToken token)
    {
        wait = Min(wait, UntilNextDue());
        if (wait <= TimeSpan.Zero)
        {
            return false;
        }

        Interlocked.Exchange(ref _waitingForRoom, forRoom ? 1 : 0);
        try
        {
            // A slot freed between the read above and the flag is seen here; one freed later sets the signal.
            return (forRoom && Room > 0) || await _wake.WaitAsync(wait, token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Exchange(ref _waitingForRoom, 0);
        }
    }

    private async ValueTask WriteAsync(StreamEntry entry, int attempt, CancellationToken token)
    {
        if (entry.IsNull)
        {
            return; // deleted (trimmed) after it was read
        }

        var message = StreamMapping.FromEntry(Topic, entry, attempt, out var expiresAt);
        var delivery = new RedisDelivery(this, entry.Id, message, expiresAt);
        _held[entry.Id.ToString()] = delivery;
        if (!_buffer.TryWrite(delivery))
        {
            await _buffer.WriteAsync(delivery, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps what this consumer holds (in the buffer, with a handler, waiting out a nack delay) claimed: XCLAIM JUSTID
    /// resets each entry's idle time, so a handler running longer than claimIdle keeps its message.
    /// </summary>
    private async Task LeaseLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                await Task.Delay(_settings.LeaseInterval, token).ConfigureAwait(false);
                var ids = _held.Keys.Concat(DelayedIds()).Select(id => (RedisValue)id).ToArray();
                try
                {
                    foreach (var chunk in ids.Chunk(MaxIdsPerCommand))
                    {
                        await _db.StreamClaimIdsOnlyAsync(Key, Group, Name, 0, chunk).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (RedisDriver.IsConnectionError(e) || e is RedisServerException)
                {
                    Log.MaintenanceFailed(_logger, Name, Group, Key.ToString(), "extending the lease of held entries", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing.
        }
    }

    private const int MaxIdsPerCommand = 1000;

    private TimeSpan CleanupInterval => Min(_settings.ConsumerExpiry, TimeSpan.FromMinutes(1));

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan Until(long timestamp) => Max(TimeSpan.Zero, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
