using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// The <c>omnibus://</c> driver: one multiplexed connection to an omnibus server, made on first use and remade after
/// a failure (publishes in flight then fail with <see cref="PublishException"/>; open subscriptions are resumed by a
/// background loop). Thread-safe.
/// </summary>
internal sealed partial class OmnibusDriver : IBrokerDriver, IBacklogSource, IBrokerAdmin
{
    private readonly OmnibusSettings _settings;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, ClientSubscription> _subscriptions = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private ClientConnection? _connection;
    private BrokerFeatures? _features;
    private int _nextSubscriptionId;
    private int _reconnecting;

    public OmnibusDriver(OmnibusSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    public string Scheme => "omnibus";

    /// <summary>The served broker's features. The first read connects (blocking up to connectTimeout) to learn them.</summary>
    public BrokerFeatures Features => _features ?? Task.Run(async () => await ConnectAsync(CancellationToken.None).ConfigureAwait(false)).GetAwaiter().GetResult().Features;

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

    public async ValueTask<IDeliverySource> OpenAsync(SubscriptionOptions options, CancellationToken cancellationToken)
    {
        var subscription = new ClientSubscription(this, (uint)Interlocked.Increment(ref _nextSubscriptionId), options, _settings.CreditFor(options));
        _subscriptions[subscription.Id] = subscription;
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await subscription.BindAsync(connection, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            _subscriptions.TryRemove(subscription.Id, out _);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var subscription in _subscriptions.Values)
            {
                subscription.Complete(null);
            }

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

    /// <summary>A subscription closed (or the server ended it): it is not resumed after a reconnection.</summary>
    internal void Forget(ClientSubscription subscription, Exception? reason)
    {
        _subscriptions.TryRemove(subscription.Id, out _);
        if (reason is not null)
        {
            Log.SubscriptionEnded(_logger, subscription.Options.Topic, subscription.Options.Group, reason.Message);
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

    /// <summary>The open connection, or a new one (subscriptions resumed on it).</summary>
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

            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var connection = await ClientConnection.ConnectAsync(_settings, _subscriptions, OnClosed, _logger, cancellationToken).ConfigureAwait(false);
            _features = connection.Features;
            _connection = connection;
            var resumed = 0;
            foreach (var subscription in _subscriptions.Values)
            {
                try
                {
                    await subscription.BindAsync(connection, cancellationToken).ConfigureAwait(false);
                    resumed++;
                }
                catch (OmnibusServerException e) when (!e.Fatal)
                {
                    // Refused now (e.g. the token lost the permission): end it rather than retry forever.
                    Forget(subscription, e);
                    subscription.Complete(e);
                }
            }

            if (resumed > 0)
            {
                Log.Reconnected(_logger, _settings.ToString(), resumed);
            }

            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private void OnClosed(ClientConnection connection, Exception reason)
    {
        if (_disposed.IsCancellationRequested || connection != _connection)
        {
            return;
        }

        Log.ConnectionLost(_logger, _settings.ToString(), reason.Message);
        if (!_subscriptions.IsEmpty && Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _ = Task.Run(ReconnectAsync);
        }
    }

    /// <summary>Reconnects until it works (or the driver closes), so that open subscriptions resume.</summary>
    private async Task ReconnectAsync()
    {
        try
        {
            while (!_disposed.IsCancellationRequested && !_subscriptions.IsEmpty)
            {
                try
                {
                    await ConnectAsync(_disposed.Token).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (!_disposed.IsCancellationRequested)
                {
                    Log.ReconnectFailed(_logger, _settings.ToString(), e.Message, _settings.ReconnectDelay);
                }

                try
                {
                    await Task.Delay(_settings.ReconnectDelay, _disposed.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }
    }
}
