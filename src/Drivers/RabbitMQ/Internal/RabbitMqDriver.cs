using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// The <c>amqp://</c> driver: one connection that the client recovers after a broker outage (every
/// <c>reconnectDelay</c>), publisher-confirm channels shared by every publish, one channel per consumer. A consumer
/// whose channel went down ends its source and the core opens a new one (with its own backoff), so the client
/// recovers no consumer or topology itself.
/// </summary>
internal sealed partial class RabbitMqDriver : IBrokerDriver
{
    private readonly RabbitMqSettings _settings;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<RabbitMqConsumer, byte> _consumers = new();
    private IConnection? _connection;
    private int _disposed;

    public RabbitMqDriver(RabbitMqSettings settings, ILogger logger)
    {
        _settings = settings;
        _management = settings.CreateManagementApi();
        Logger = logger;
    }

    public string Scheme => _settings.Scheme;

    public BrokerFeatures Features { get; } = new()
    {
        ConsumerGroups = true,

        // The members of a group compete on one queue, so RabbitMQ would hand one key to several of them at once: per-key
        // order is not declared, and Ordering = ByKey (OrderBy.Key) is rejected at subscribe and at host start.
        KeyOrdering = false,
        Persistent = true,
        DelayedDelivery = true,
        TimeToLive = true,
    };

    /// <summary>A RabbitMQ queue holds only what was published after it was declared: a new group starts from Latest.</summary>
    public StartPosition DefaultStartFrom => StartPosition.Latest;

    internal ILogger Logger { get; }

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var prefetch = _settings.Prefetch ?? spec.Prefetch;
        if (spec.Batch && prefetch < spec.Options.Batch.MaxSize)
        {
            // RabbitMQ never sends more than the prefetch unacknowledged: a batch could only ever fill on its timer.
            throw new OmnibusConfigurationException("prefetch", $"Option 'prefetch' = '{prefetch}' of the {Scheme}:// driver is smaller than Batch.MaxSize = {spec.Options.Batch.MaxSize} of the batch subscription to '{spec.Topic}': allowed is at least Batch.MaxSize, or no prefetch option.");
        }

        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var queue = Names.GroupQueue(spec.Topic, spec.Group);
        if (spec.StartFrom == StartPosition.Earliest && !await QueueExistsAsync(connection, queue, cancellationToken).ConfigureAwait(false))
        {
            throw new OmnibusConfigurationException(nameof(spec.StartFrom), $"StartFrom = Earliest cannot be honoured by the {Scheme}:// driver for group '{spec.Group}' of topic '{spec.Topic}', which does not exist yet: a RabbitMQ queue holds only the messages published after it was declared, so a new group cannot start earlier. Allowed: Latest or Default (Latest on {Scheme}://); a group that exists continues where it is.");
        }

        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new RabbitMqConsumer(this, channel, spec, prefetch);
        try
        {
            await channel.ExchangeDeclareAsync(spec.Topic, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, spec.Topic, "#", cancellationToken: cancellationToken).ConfigureAwait(false);
            Remember(spec.Topic, spec.Group).Declared = true;
            _consumers.TryAdd(consumer, 0);
            await consumer.StartAsync(prefetch, cancellationToken).ConfigureAwait(false);
            return consumer.Source;
        }
        catch
        {
            await consumer.Source.DisposeAsync().ConfigureAwait(false);
            throw;
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
            await consumer.Source.DisposeAsync().ConfigureAwait(false);
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
                    Log.ConnectionLost(Logger, e.Message);
                }

                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }

        _management?.Dispose();
    }

    internal void Forget(RabbitMqConsumer consumer) => _consumers.TryRemove(consumer, out _);

    /// <summary>Whether <paramref name="queue"/> exists (queue.declare passive, on a channel of its own: a missing queue closes it).</summary>
    private static async Task<bool> QueueExistsAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                return false;
            }
        }
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
                IConnection connection;
                try
                {
                    connection = await _settings.CreateFactory().CreateConnectionAsync(_settings.Endpoints, cancellationToken).ConfigureAwait(false);
                }
                catch (global::RabbitMQ.Client.Exceptions.BrokerUnreachableException e) when (_settings.Tls?.Refusal is { } refusal)
                {
                    // The client only says "none of the endpoints were reachable": say which certificate was refused, and why.
                    var endpoints = string.Join(", ", _settings.Endpoints.Select(p => $"{p.HostName}:{p.Port}"));
                    throw new OmnibusConfigurationException("tlsCaCertificate", $"The {Scheme}:// driver refused the TLS certificate of {endpoints}: {refusal}.", e);
                }

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
        if (Volatile.Read(ref _disposed) == 0)
        {
            Log.ConnectionLost(Logger, e.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        // The node may have come back without what was declared (a new data directory): declare again on use.
        foreach (var topic in _topics.Values)
        {
            topic.Declared = false;
            topic.KeeperDeclared = false;
        }

        foreach (var queue in _ttlQueues.Keys)
        {
            _ttlQueues[queue] = false;
        }

        Log.ConnectionRecovered(Logger);
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
