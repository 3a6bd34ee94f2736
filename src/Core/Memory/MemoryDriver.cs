using System.Collections.Concurrent;
using Omnibus.Drivers;

namespace Omnibus.Memory;

/// <summary>The <c>memory://</c> driver. Publishing is synchronous: a publish has been "stored" when it returns.</summary>
internal sealed class MemoryDriver : IBrokerDriver, IBacklogSource
{
    private readonly MemoryState _state;
    private readonly ConcurrentDictionary<MemoryConsumer, byte> _consumers = new();
    private int _disposed;

    public MemoryDriver(MemoryState state) => _state = state;

    public string Scheme => "memory";

    public BrokerFeatures Features { get; } = new()
    {
        ConsumerGroups = true,
        KeyOrdering = true,
        Persistent = false,
        DelayedDelivery = true,
        TimeToLive = true,
        NativeDeadLetter = false,
        ExactlyOnce = true,
        BatchPublish = true,
        Replay = true,
    };

    public MemoryState State => _state;

    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        _state.Topic(topic).Publish(message, DateTimeOffset.UtcNow);
        return default;
    }

    public ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        _state.Topic(topic).Publish(messages, DateTimeOffset.UtcNow);
        return new ValueTask<PublishBatchResult>(new PublishBatchResult(new Exception?[messages.Count]));
    }

    public IBacklogSource Backlog => this;

    public ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var group = _state.Topic(spec.Topic).JoinGroup(spec.Group, spec.StartFrom);
        var consumer = new MemoryConsumer(group, spec.Ordering == MessageOrdering.ByKey, c => _consumers.TryRemove(c, out _));
        _consumers.TryAdd(consumer, 0);
        return new ValueTask<IDeliverySource>(consumer);
    }

    public ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken) =>
        new(_state.Topic(topic).Backlog(group));

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

        _state.Release();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException("memory:// driver");
        }
    }
}
