using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// The <c>nats://</c> driver: one NATS connection (which reconnects by itself) and its JetStream context. Topics are
/// subjects in streams (<see cref="ResolveStreamAsync"/>), groups durable pull consumers
/// (<see cref="EnsureConsumerAsync"/>), each member a <see cref="NatsConsumer"/>. When the connection drops, every
/// member ends with <see cref="ConnectionLostException"/> and the core reopens it once the server answers again.
/// Split by feature: publishing and admin are partial files.
/// </summary>
internal sealed partial class NatsDriver : IBrokerDriver
{
    private readonly NatsSettings _settings;
    private readonly ILogger _log;
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly ConcurrentDictionary<NatsConsumer, byte> _consumers = new();
    private int _disposed;

    public NatsDriver(NatsSettings settings, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _log = loggerFactory.CreateLogger<NatsDriver>();
        _connection = new NatsConnection(settings.ToNatsOpts(loggerFactory));
        _js = new NatsJSContext(_connection);
        _connection.ConnectionDisconnected += OnDisconnectedAsync;
        _connection.ConnectionOpened += OnOpenedAsync;
        _connection.ReconnectFailed += OnReconnectFailedAsync;
        Features = new BrokerFeatures
        {
            ConsumerGroups = true,
            // Members of one group pull from one shared consumer: per-key order holds for one member, not across them.
            KeyOrdering = false,
            Persistent = settings.Storage == StreamStorage.File,
            // nats-server 2.9 has neither per-message TTL nor scheduled delivery (both came after 2.10).
            DelayedDelivery = false,
            TimeToLive = false,
            NativeDeadLetter = false,
            ExactlyOnce = true,
            // Pipelined single publishes, not one broker operation.
            BatchPublish = false,
            Replay = true,
        };
    }

    public string Scheme => NatsSettings.Scheme;

    public BrokerFeatures Features { get; }

    internal NatsSettings Settings => _settings;

    /// <summary>The client connection (tests reach the server through it).</summary>
    internal NatsConnection Connection => _connection;

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfDisposed();
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        ResolvedStream? stream;
        INatsJSConsumer consumer;
        try
        {
            stream = await ResolveStreamAsync(spec.Topic, cancellationToken).ConfigureAwait(false);
            consumer = stream is null ? null! : await EnsureConsumerAsync(stream, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw new ConnectionLostException(Scheme, $"Opening group '{spec.Group}' of topic '{spec.Topic}' on the NATS server at {_settings.Url} failed: {e.Message}", e);
        }
        catch (NatsJSApiException e)
        {
            throw new OmnibusConfigurationException("Topic", $"The NATS server refused topic '{spec.Topic}' or group '{spec.Group}': {e.Error.Description} (code {e.Error.ErrCode}).", e);
        }

        if (stream is null)
        {
            throw new OmnibusConfigurationException("createStreams", $"No stream of the NATS server stores subject '{Names.Subject(spec.Topic)}' (topic '{spec.Topic}'), and createStreams=false forbids creating one: allowed is a topic whose subject an existing stream covers, or createStreams=true.");
        }

        var batch = _settings.Prefetch ?? spec.Prefetch;
        var member = new NatsConsumer(consumer, stream.Name, spec, batch, _settings.PullExpires, consumer.Info.Config.AckWait, _log, c => _consumers.TryRemove(c, out _));
        _consumers.TryAdd(member, 0);
        member.Start();
        return member;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var member in _consumers.Keys)
        {
            await member.AbortAsync().ConfigureAwait(false);
        }

        _connection.ConnectionDisconnected -= OnDisconnectedAsync;
        _connection.ConnectionOpened -= OnOpenedAsync;
        _connection.ReconnectFailed -= OnReconnectFailedAsync;
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Opens the connection if it is not open yet; a server that cannot be reached is a lost connection (retried by the core).</summary>
    private async ValueTask ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection.ConnectionState == NatsConnectionState.Open)
        {
            return;
        }

        try
        {
            await _connection.ConnectAsync().AsTask().WaitAsync(_settings.ConnectTimeout + _settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            throw new ConnectionLostException(Scheme, $"The NATS server at {_settings.Url} cannot be reached: {e.Message}", e);
        }
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return default;
        }

        Log.ConnectionLost(_log, _settings.Url, args.Message);
        foreach (var member in _consumers.Keys)
        {
            member.ConnectionLost(args.Message);
        }

        return default;
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        Log.ConnectionOpened(_log, _settings.Url);
        return default;
    }

    private ValueTask OnReconnectFailedAsync(object? sender, NatsEventArgs args)
    {
        Log.ReconnectFailed(_log, _settings.Url, args.Message);
        return default;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException("nats:// driver");
        }
    }
}
