using Microsoft.Extensions.Logging;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// The <c>omnibus://</c> driver: one multiplexed connection to an omnibus server, made on first use and remade on the
/// next use after a failure. Publishes in flight then fail with <see cref="PublishException"/>; open subscriptions end
/// with <see cref="ConnectionLostException"/>, and the core subscribes them again (reconnectDelay, reconnectMaxDelay).
/// Thread-safe.
/// </summary>
internal sealed partial class OmnibusDriver : IBrokerDriver, IBacklogSource, IBrokerAdmin
{
    private readonly OmnibusSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private ClientConnection? _connection;
    private BrokerFeatures? _features;
    private int _disposed;

    public OmnibusDriver(OmnibusSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    public string Scheme => "omnibus";

    public IBrokerAdmin Admin => this;

    public IBacklogSource Backlog => this;

    /// <summary>
    /// The served broker's features, as its server declared them on the last connection. Never does I/O: before the
    /// first connection it is <see cref="Assumed"/>, so that a host indexing its functions starts while the server is
    /// down; <see cref="OpenAsync"/> checks the subscription against the server's real features once connected, and the
    /// server itself refuses a publish its broker cannot honour.
    /// </summary>
    public BrokerFeatures Features => _features ?? Assumed;

    /// <summary>What an omnibus server declares when it serves <c>embedded://</c> at qos 1, its default.</summary>
    internal static BrokerFeatures Assumed { get; } = new()
    {
        ConsumerGroups = true,
        KeyOrdering = true,
        Persistent = true,
        DelayedDelivery = true,
        TimeToLive = true,
        BatchPublish = true,
        Replay = true,
        RetainedMessages = true,
    };

    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } connection && connection.WaitForSpaceAsync(cancellationToken).IsCompletedSuccessfully)
        {
            return AwaitPublishAsync(topic, Publish(connection, topic, message), cancellationToken);
        }

        return PublishSlowAsync(topic, message, cancellationToken);
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var errors = new Exception?[messages.Count];
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await connection.WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
            var reply = await connection.Request(Opcode.PublishBatch, new PendingRequest(Opcode.BatchResult), (topic, messages), static (b, s) =>
            {
                b.WriteString(s.topic);
                b.WriteVarint((ulong)s.messages.Count);
                foreach (var m in s.messages)
                {
                    b.WriteMessage(m);
                }
            }).WaitAsync(cancellationToken).ConfigureAwait(false);
            var entries = (string?[])reply!;
            for (var i = 0; i < errors.Length; i++)
            {
                errors[i] = i < entries.Length && entries[i] is { } error ? new PublishException(topic, Scheme, error) : null;
            }
        }
        catch (OmnibusServerException e) when (e.Code == nameof(ErrorCode.FrameTooLarge) && messages.Count > 1)
        {
            // Too large as one frame: publish the entries one by one instead.
            for (var i = 0; i < errors.Length; i++)
            {
                try
                {
                    await PublishAsync(topic, messages[i], cancellationToken).ConfigureAwait(false);
                }
                catch (PublishException error)
                {
                    errors[i] = error;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var error = Wrap(topic, e);
            Array.Fill(errors, error);
        }

        return new PublishBatchResult(errors);
    }

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (spec.Options.Ordering == MessageOrdering.ByKey && !connection.Features.KeyOrdering)
        {
            // Checked by the core against the assumed features before the first connection: here against the server's.
            throw new OmnibusConfigurationException(nameof(spec.Options.Ordering), $"Ordering = ByKey is not possible on {_settings}: the broker its server serves does not keep per-key order; allowed is None.");
        }

        return await connection.SubscribeAsync(spec, _settings.CreditFor(spec, connection.MaxCredits), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { } connection)
            {
                _connection = null;
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private static Task<object?> Publish(ClientConnection connection, string topic, Message message) =>
        connection.Request(Opcode.Publish, new PendingRequest(Opcode.Ok), (topic, message), static (b, s) =>
        {
            b.WriteString(s.topic);
            b.WriteMessage(s.message);
        });

    private async ValueTask PublishSlowAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        Task<object?> reply;
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await connection.WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
            reply = Publish(connection, topic, message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Wrap(topic, e);
        }

        await AwaitPublishAsync(topic, reply, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask AwaitPublishAsync(string topic, Task<object?> reply, CancellationToken cancellationToken)
    {
        try
        {
            await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Wrap(topic, e);
        }
    }

    private PublishException Wrap(string topic, Exception e) =>
        e as PublishException ?? new PublishException(topic, Scheme, $"Publishing to '{topic}' on {_settings} failed: {e.Message}", e);

    /// <summary>The open connection, or a new one.</summary>
    private async ValueTask<ClientConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true } raced)
            {
                return raced;
            }

            // Not ObjectDisposedException: the core's resubscription stops on this one instead of retrying.
            if (Volatile.Read(ref _disposed) == 1)
            {
                throw new BrokerClosedException("omnibus:// driver");
            }

            var connection = await ClientConnection.ConnectAsync(_settings, _logger, cancellationToken).ConfigureAwait(false);
            _features = connection.Features;
            _connection = connection;
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
