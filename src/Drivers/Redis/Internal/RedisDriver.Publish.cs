using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Publishing: one XADD per message (trimmed by maxLen or maxAge when set); a batch is one pipelined round trip. After
/// adding, a wake-up goes to the stream's channel, at most one per millisecond per topic: consumers that went idle read at
/// once, and anything added right after a wake-up is found by their first polls, which follow within milliseconds.
/// </summary>
internal sealed partial class RedisDriver
{
    private static readonly long WakeGap = Stopwatch.Frequency / 1000;
    private readonly ConcurrentDictionary<string, WakeState> _wakes = new(StringComparer.Ordinal);

    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var key = StreamKey(topic);
        var connection = await PublishConnectionAsync(topic, cancellationToken).ConfigureAwait(false);
        try
        {
            await AddAsync(connection.GetDatabase(Settings.Database), key, StreamMapping.ToFields(message), MinIdNow()).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionError(e) || e is RedisServerException)
        {
            throw PublishFailed(topic, key, e);
        }

        Wake(connection, key);
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var errors = new Exception?[messages.Count];
        var key = StreamKey(topic);
        ConnectionMultiplexer connection;
        try
        {
            connection = await PublishConnectionAsync(topic, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException e)
        {
            Array.Fill(errors, e);
            return new PublishBatchResult(errors);
        }

        var batch = connection.GetDatabase(Settings.Database).CreateBatch();
        var minId = MinIdNow();
        var adds = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            adds[i] = AddAsync(batch, key, StreamMapping.ToFields(messages[i]), minId);
        }

        batch.Execute();
        var added = false;
        for (var i = 0; i < adds.Length; i++)
        {
            try
            {
                await adds[i].ConfigureAwait(false);
                added = true;
            }
            catch (Exception e) when (IsConnectionError(e) || e is RedisServerException)
            {
                errors[i] = PublishFailed(topic, key, e);
            }
        }

        if (added)
        {
            Wake(connection, key);
        }

        return new PublishBatchResult(errors);
    }

    /// <summary>The consumers' side of the wake-up: the route of <paramref name="key"/>, subscribed to its channel.</summary>
    private async Task<WakeRoute> RouteAsync(ConnectionMultiplexer connection, string key)
    {
        var route = _wakeRoutes.GetOrAdd(key, _ => new WakeRoute());
        if (Settings.WakeUp)
        {
            // The subscription connection is a second socket, which may still be connecting when the first one is up:
            // it is given until connectTimeout, asked every 50 ms.
            var deadline = Environment.TickCount64 + (long)Settings.ConnectTimeout.TotalMilliseconds;
            while (true)
            {
                try
                {
                    await route.SubscribeAsync(connection.GetSubscriber(), WakeOf(key).Channel).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (IsConnectionError(e) && Environment.TickCount64 < deadline)
                {
                    await Task.Delay(50).ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionError(e))
                {
                    throw new ConnectionLostException(Scheme, $"Cannot subscribe to the wake-up channel of stream '{key}' on {Settings.Endpoint}: {e.Message}", e);
                }
            }
        }

        return route;
    }

    private async ValueTask<ConnectionMultiplexer> PublishConnectionAsync(string topic, CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionLostException e)
        {
            throw new PublishException(topic, Scheme, $"Publishing to '{topic}' failed: {e.Message}", e);
        }
    }

    // XADD with the configured trimming. StackExchange.Redis 2.8 (the newest that a .NET 8 Functions host can load, see
    // docs/drivers/redis.md) trims by MAXLEN only, so MINID trimming (maxAge) is sent as the raw command.
    private Task AddAsync(IDatabaseAsync db, RedisKey key, NameValueEntry[] fields, string? minId)
    {
        if (minId is null)
        {
            return Settings.MaxLen > 0
                ? db.StreamAddAsync(key, fields, maxLength: (int)Settings.MaxLen, useApproximateMaxLength: !Settings.ExactTrim)
                : db.StreamAddAsync(key, fields);
        }

        var args = new object[5 + (fields.Length * 2)];
        args[0] = key;
        args[1] = "MINID";
        args[2] = Settings.ExactTrim ? "=" : "~";
        args[3] = minId;
        args[4] = "*";
        for (var i = 0; i < fields.Length; i++)
        {
            args[5 + (i * 2)] = fields[i].Name;
            args[6 + (i * 2)] = fields[i].Value;
        }

        return db.ExecuteAsync("XADD", args);
    }

    // The oldest entry id that maxAge keeps, or null when trimming is by MAXLEN or off.
    private string? MinIdNow() => Settings.MaxLen <= 0 && Settings.MaxAge is { } age
        ? (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "-0"
        : null;

    private void Wake(ConnectionMultiplexer connection, string key)
    {
        if (!Settings.WakeUp)
        {
            return;
        }

        var state = WakeOf(key);
        var now = Stopwatch.GetTimestamp();
        var last = Volatile.Read(ref state.Last);
        if (now - last >= WakeGap && Interlocked.CompareExchange(ref state.Last, now, last) == last)
        {
            connection.GetSubscriber().Publish(state.Channel, RedisValue.EmptyString, CommandFlags.FireAndForget);
        }
    }

    private WakeState WakeOf(string key) =>
        _wakes.GetOrAdd(key, static (k, db) => new WakeState(RedisChannel.Literal($"omnibus:wake:{db.ToString(CultureInfo.InvariantCulture)}:{k}")), Settings.Database);

    private PublishException PublishFailed(string topic, string key, Exception e) =>
        new(topic, Scheme, $"Publishing to stream '{key}' on {Settings.Endpoint} was not confirmed (it may or may not be stored): {e.Message}", e);

    /// <summary>A stream's wake-up channel and when this driver last sent on it.</summary>
    private sealed class WakeState(RedisChannel channel)
    {
        public long Last;

        public RedisChannel Channel { get; } = channel;
    }
}
