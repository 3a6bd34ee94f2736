using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// The <c>amqp://</c> driver: one connection with automatic recovery (connection, channels, topology and consumers
/// come back after a broker restart), one publisher-confirm channel shared by every publish, one channel per consumer.
/// </summary>
internal sealed partial class RabbitMqDriver : IBrokerDriver, IBacklogSource
{
    private readonly RabbitMqSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _declared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RabbitMqConsumer, byte> _consumers = new();
    private IConnection? _connection;
    private IChannel? _publishChannel;
    private int _epoch;
    private int _disposed;

    public RabbitMqDriver(RabbitMqSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    public string Scheme => _settings.Scheme;

    public BrokerFeatures Features { get; } = new()
    {
        ConsumerGroups = true,
        KeyOrdering = true,
        Persistent = true,
        DelayedDelivery = true,
        TimeToLive = true,
        NativeDeadLetter = false,
        ExactlyOnce = false,
        BatchPublish = false,
        Replay = false,
    };

    /// <summary>Changes whenever the connection goes down: delivery tags of an older epoch are void.</summary>
    internal int Epoch => Volatile.Read(ref _epoch);

    internal ILogger Logger => _logger;

    public async ValueTask<IDeliverySource> OpenAsync(SubscriptionOptions options, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var queue = Names.GroupQueue(options.Topic, options.Group);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.ExchangeDeclareAsync(options.Topic, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, options.Topic, "#", cancellationToken: cancellationToken).ConfigureAwait(false);
            _declared.TryAdd(options.Topic, 0);
            var consumer = new RabbitMqConsumer(this, channel, options.Topic, queue, Prefetch(options));
            await consumer.StartAsync(cancellationToken).ConfigureAwait(false);
            _consumers.TryAdd(consumer, 0);
            return consumer;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                // Ready messages only: RabbitMQ does not report unacknowledged ones through queue.declare.
                var ok = await channel.QueueDeclarePassiveAsync(Names.GroupQueue(topic, group), cancellationToken).ConfigureAwait(false);
                return ok.MessageCount;
            }
            catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException e)
            {
                Log.BacklogUnavailable(_logger, topic, group, e.Message);
                return null;
            }
        }
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
            if (_publishChannel is not null)
            {
                await _publishChannel.DisposeAsync().ConfigureAwait(false);
            }

            if (_connection is not null)
            {
                try
                {
                    await _connection.CloseAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
                {
                    // Closing while the broker is away: there is nothing left to close politely.
                    Log.ConnectionLost(_logger, e.Message);
                }

                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Whether <paramref name="queue"/> exists; null when that cannot be told now (connection down).</summary>
    internal async Task<bool?> QueueExistsAsync(string queue)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null || !connection.IsOpen || Volatile.Read(ref _disposed) == 1)
        {
            return null;
        }

        try
        {
            var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                await channel.QueueDeclarePassiveAsync(queue).ConfigureAwait(false);
                return true;
            }
        }
        catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
        catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or OperationCanceledException or TimeoutException)
        {
            Log.QueueCheckFailed(_logger, queue, e.Message);
            return null;
        }
    }

    internal void Forget(RabbitMqConsumer consumer) => _consumers.TryRemove(consumer, out _);

    private int Prefetch(SubscriptionOptions options)
    {
        if (_settings.Prefetch > 0)
        {
            return _settings.Prefetch;
        }

        // Batch subscriptions need room for whole batches; the runner does not tell a batch subscription apart, so
        // customised batch options are the signal.
        long prefetch = options.Batch == BatchOptions.Default ? options.Concurrency : (long)options.Concurrency * options.Batch.MaxSize;
        return (int)Math.Clamp(prefetch, 1, ushort.MaxValue);
    }

    private async ValueTask<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } existing)
        {
            return existing;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (_connection is null)
            {
                var connection = await _settings.CreateFactory().CreateConnectionAsync(_settings.Endpoints, cancellationToken).ConfigureAwait(false);
                connection.ConnectionShutdownAsync += OnShutdownAsync;
                connection.RecoverySucceededAsync += OnRecoveredAsync;
                Volatile.Write(ref _connection, connection);
            }

            return _connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
    {
        Interlocked.Increment(ref _epoch);
        if (Volatile.Read(ref _disposed) == 0)
        {
            Log.ConnectionLost(_logger, e.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        Log.ConnectionRecovered(_logger);
        return Task.CompletedTask;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException($"{Scheme}:// driver");
        }
    }
}
