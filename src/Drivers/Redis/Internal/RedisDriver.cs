using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// The <c>redis://</c> driver: one <see cref="ConnectionMultiplexer"/> (connected on first use, reconnecting by itself)
/// shared by publishing, every consumer and the admin calls. A topic is the stream <c>prefix + topic</c>; a group is a
/// consumer group of it; each <see cref="OpenAsync"/> is a consumer of its own name. Split into partial files:
/// publishing in <c>.Publish.cs</c>, admin and backlog in <c>.Admin.cs</c>.
/// </summary>
internal sealed partial class RedisDriver : IBrokerDriver
{
    private static readonly string ProcessToken = Guid.NewGuid().ToString("N")[..6];
    private static int _consumerSequence;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<RedisConsumer, byte> _consumers = new();
    private readonly ConcurrentDictionary<string, WakeRoute> _wakeRoutes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Key, string Group), ConcurrentQueue<string>> _orphans = new();
    private ConnectionMultiplexer? _connection;
    private int _disposed;

    public RedisDriver(RedisSettings settings, ILogger logger)
    {
        Settings = settings;
        Logger = logger;
    }

    public RedisSettings Settings { get; }

    public ILogger Logger { get; }

    public string Scheme => Settings.Scheme;

    public BrokerFeatures Features { get; } = new()
    {
        ConsumerGroups = true,
        // One stream per topic, but the members of a group take entries one by one: no per-key affinity.
        KeyOrdering = false,
        // As durable as the server's persistence (appendonly yes, appendfsync always for every acknowledged entry).
        Persistent = true,
        DelayedDelivery = false,
        TimeToLive = true,
        NativeDeadLetter = false,
        ExactlyOnce = false,
        BatchPublish = true,
        Replay = true,
    };

    public string StreamKey(string topic) => Settings.Prefix.Length == 0 ? topic : Settings.Prefix + topic;

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var db = connection.GetDatabase(Settings.Database);
        var key = StreamKey(spec.Topic);
        try
        {
            await db.StreamCreateConsumerGroupAsync(key, spec.Group, spec.StartFrom == StartPosition.Earliest ? "0" : "$", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: StartFrom applies only to a new group.
        }
        catch (RedisServerException e)
        {
            throw ServerError(e, key, "creating consumer group '" + spec.Group + "'");
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            throw new ConnectionLostException(Scheme, $"Cannot open consumer group '{spec.Group}' of stream '{key}' on {Settings.Endpoint}: {e.Message}", e);
        }

        var route = await RouteAsync(connection, key).ConfigureAwait(false);
        var name = string.Join(':', Settings.ClientName, Environment.MachineName, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{ProcessToken}", Interlocked.Increment(ref _consumerSequence).ToString(CultureInfo.InvariantCulture));
        var consumer = new RedisConsumer(this, db, spec, key, name, Settings.Prefetch ?? spec.Prefetch);
        _consumers.TryAdd(consumer, 0);
        route.Add(consumer);
        consumer.Start();
        if (Volatile.Read(ref _disposed) == 1)
        {
            // Disposed meanwhile, after it disposed its consumers: this one too.
            await consumer.DisposeAsync().ConfigureAwait(false);
            ThrowIfDisposed();
        }

        return consumer;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var consumer in _consumers.Keys)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                await _connection.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Whether <paramref name="error"/> says the connection (not the command) failed: worth retrying later.</summary>
    public static bool IsConnectionError(Exception error) =>
        error is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException
        || (error is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal));

    internal void Forget(RedisConsumer consumer)
    {
        _consumers.TryRemove(consumer, out _);
        if (_wakeRoutes.TryGetValue(consumer.Key.ToString(), out var route))
        {
            route.Remove(consumer);
        }
    }

    /// <summary>A consumer of this driver ended with the connection: what is pending under its name is claimed at once.</summary>
    internal void AddOrphan(RedisKey key, string group, string consumer) =>
        _orphans.GetOrAdd((key.ToString(), group), _ => new ConcurrentQueue<string>()).Enqueue(consumer);

    internal List<string> TakeOrphans(RedisKey key, string group)
    {
        var taken = new List<string>();
        if (_orphans.TryGetValue((key.ToString(), group), out var queue))
        {
            while (queue.TryDequeue(out var name))
            {
                taken.Add(name);
            }
        }

        return taken;
    }

    /// <summary>The connection, made on first use; a configuration the server cannot serve fails here, at connect or subscribe.</summary>
    internal async ValueTask<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (Volatile.Read(ref _connection) is { } existing)
        {
            return existing.IsConnected
                ? existing
                : throw new ConnectionLostException(Scheme, $"Not connected to Redis at {Settings.Endpoint}; reconnecting.");
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (_connection is null)
            {
                var connection = await ConnectNewAsync(cancellationToken).ConfigureAwait(false);
                connection.ConnectionFailed += OnConnectionFailed;
                connection.ConnectionRestored += OnConnectionRestored;
                Volatile.Write(ref _connection, connection);
            }

            return _connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<ConnectionMultiplexer> ConnectNewAsync(CancellationToken cancellationToken)
    {
        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(Settings.ToConfiguration()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            throw new OmnibusConfigurationException("certificate", $"The TLS handshake with Redis at {Settings.Endpoint} failed ({e.InnerException.Message}): trust the server's CA on this machine, or set tlsServerName to the name in its certificate (tlsAcceptAnyCertificate=true skips the check, for tests only).", e);
        }
        catch (RedisConnectionException e) when (e.FailureType == ConnectionFailureType.AuthenticationFailure || e.Message.Contains("WRONGPASS", StringComparison.Ordinal) || e.Message.Contains("NOAUTH", StringComparison.Ordinal))
        {
            throw new OmnibusConfigurationException("password", $"Redis at {Settings.Endpoint} refused the credentials of the {Scheme} connection string (user '{Settings.User ?? "default"}'): {e.Message}", e);
        }
        catch (RedisConnectionException e)
        {
            throw new ConnectionLostException(Scheme, $"Cannot connect to Redis at {Settings.Endpoint}: {e.Message}", e);
        }

        try
        {
            await CheckServerAsync(connection).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Rejects what the driver cannot serve: Cluster, Sentinel, a replica, a server before 6.2, a database out of range.</summary>
    private async Task CheckServerAsync(ConnectionMultiplexer connection)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        if (server.ServerType != ServerType.Standalone)
        {
            throw new OmnibusConfigurationException("host", $"Redis at {Settings.Endpoint} is a {server.ServerType} endpoint: the {Scheme}:// driver supports a standalone server (or the primary of a replicated one) only; Redis Cluster and Sentinel are not supported.");
        }

        if (server.IsReplica)
        {
            throw new OmnibusConfigurationException("host", $"Redis at {Settings.Endpoint} is a read-only replica: the {Scheme}:// driver needs the primary.");
        }

        if (server.Version < new Version(6, 2))
        {
            throw new OmnibusConfigurationException("host", $"Redis at {Settings.Endpoint} is version {server.Version}: the {Scheme}:// driver needs 6.2 or later (XPENDING IDLE, XCLAIM with IDLE).");
        }

        try
        {
            await connection.GetDatabase(Settings.Database).ExecuteAsync("DBSIZE").ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisServerException or RedisCommandException)
        {
            throw new OmnibusConfigurationException("database", $"Option 'database' = '{Settings.Database.ToString(CultureInfo.InvariantCulture)}' of the {Scheme} connection string is invalid for Redis at {Settings.Endpoint}: {e.Message}", e);
        }
    }

    private OmnibusException ServerError(RedisServerException e, RedisKey key, string doing) =>
        e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal)
            ? new OmnibusConfigurationException("topic", $"Key '{key}' on Redis at {Settings.Endpoint} is not a stream, so it cannot be a topic of the {Scheme}:// driver (another application uses it?): {e.Message}", e)
            : e.Message.StartsWith("NOPERM", StringComparison.Ordinal)
                ? new OmnibusConfigurationException("user", $"User '{Settings.User ?? "default"}' may not use key '{key}' on Redis at {Settings.Endpoint} ({doing}): {e.Message}", e)
                : new ConnectionLostException(Scheme, $"Redis at {Settings.Endpoint} failed {doing} on '{key}': {e.Message}", e);

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive || Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        Log.ConnectionLost(Logger, Settings.Endpoint, e.FailureType.ToString(), e.Exception?.Message ?? "connection closed");
        foreach (var consumer in _consumers.Keys)
        {
            consumer.Lose(e.Exception?.Message ?? e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            Log.ConnectionRestored(Logger, Settings.Endpoint);
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException($"{Scheme}:// driver");
        }
    }
}
