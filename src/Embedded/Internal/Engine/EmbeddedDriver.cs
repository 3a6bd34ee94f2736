using Microsoft.Extensions.Logging;
using Omnibus.Drivers;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>The <c>embedded://</c> driver: one connection to the process's engine for its data directory.</summary>
internal sealed class EmbeddedDriver : IBrokerDriver, IBacklogSource, IBrokerAdmin
{
    private readonly EmbeddedSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly object _gate = new();
    private readonly HashSet<EmbeddedConsumer> _consumers = [];
    private BrokerEngine? _engine;
    private bool _disposed;

    public EmbeddedDriver(EmbeddedSettings settings, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _loggerFactory = loggerFactory;
        Features = new BrokerFeatures
        {
            ConsumerGroups = true,
            KeyOrdering = true,
            Persistent = true,
            DelayedDelivery = true,
            TimeToLive = true,
            NativeDeadLetter = false,
            ExactlyOnce = settings.Qos == 2,
            BatchPublish = true,
            Replay = true,
            RetainedMessages = true,
            AtMostOnce = settings.Qos == 0,
        };
    }

    public string Scheme => "embedded";

    public BrokerFeatures Features { get; }

    /// <summary>Faulted once the shared engine stopped (its journal flusher failed); healthy before the engine is opened.</summary>
    public BrokerHealth Health => Volatile.Read(ref _engine)?.Fault is { } cause ? BrokerHealth.Faulted(cause) : BrokerHealth.Healthy;

    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) =>
        Engine().Topic(topic).PublishAsync(message, _settings.Qos, cancellationToken);

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var target = Engine().Topic(topic);
        var pending = new ValueTask[messages.Count];
        var errors = new Exception?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                pending[i] = target.PublishAsync(messages[i], _settings.Qos, cancellationToken);
            }
            catch (Exception e) when (e is OmnibusException or IOException)
            {
                errors[i] = e;
            }
        }

        // Appended first, awaited after: the whole batch shares the same flushes.
        for (var i = 0; i < pending.Length; i++)
        {
            if (errors[i] is not null)
            {
                continue;
            }

            try
            {
                await pending[i].ConfigureAwait(false);
            }
            catch (Exception e) when (e is OmnibusException or IOException or OperationCanceledException)
            {
                errors[i] = e;
            }
        }

        return new PublishBatchResult(errors);
    }

    public IBrokerAdmin Admin => this;

    public IBacklogSource Backlog => this;

    public ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        var group = Engine().Topic(spec.Topic).JoinGroup(spec.Group, spec.StartFrom);
        var consumer = new EmbeddedConsumer(group, _settings.Qos, spec.Ordering == MessageOrdering.ByKey, Forget);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _consumers.Add(consumer);
        }

        return new ValueTask<IDeliverySource>(consumer);
    }

    public ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken) =>
        new(Engine().FindTopic(topic)?.FindGroup(group)?.Backlog);

    public ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken) => new(EmbeddedAdmin.Topics(Engine()));

    public ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken) => new(EmbeddedAdmin.Groups(Engine(), topic));

    public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) => new(EmbeddedAdmin.Peek(Engine(), topic, max));

    public async ValueTask DisposeAsync()
    {
        EmbeddedConsumer[] consumers;
        BrokerEngine? engine;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            consumers = [.. _consumers];
            engine = _engine;
        }

        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        if (engine is not null)
        {
            await engine.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The engine, opened on first use: creating a driver does no I/O.</summary>
    private BrokerEngine Engine()
    {
        var engine = Volatile.Read(ref _engine);
        if (engine is not null)
        {
            return engine;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                throw new BrokerClosedException("embedded:// driver");
            }

            return _engine ??= BrokerEngine.Acquire(_settings, _loggerFactory);
        }
    }

    private void Forget(EmbeddedConsumer consumer)
    {
        lock (_gate)
        {
            _consumers.Remove(consumer);
        }
    }
}
