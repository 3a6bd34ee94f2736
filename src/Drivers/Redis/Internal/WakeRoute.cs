using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// The local consumers of one stream and the pub/sub subscription that wakes them: a publisher with <c>wakeUp</c> on
/// sends a message on the stream's channel after adding entries, and every consumer of this driver reading that stream
/// reads again at once. Thread-safe.
/// </summary>
internal sealed class WakeRoute
{
    private readonly object _lock = new();
    private RedisConsumer[] _consumers = [];
    private Task? _subscribed;

    public void Add(RedisConsumer consumer)
    {
        lock (_lock)
        {
            _consumers = [.. _consumers, consumer];
        }
    }

    public void Remove(RedisConsumer consumer)
    {
        lock (_lock)
        {
            _consumers = [.. _consumers.Where(c => c != consumer)];
        }
    }

    /// <summary>Subscribes to <paramref name="channel"/> once (again after a failed try); the client resubscribes after a reconnect.</summary>
    public Task SubscribeAsync(StackExchange.Redis.ISubscriber subscriber, RedisChannel channel)
    {
        lock (_lock)
        {
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
            {
                _subscribed = subscriber.SubscribeAsync(channel, (_, _) => WakeAll());
            }

            return _subscribed;
        }
    }

    private void WakeAll()
    {
        foreach (var consumer in Volatile.Read(ref _consumers))
        {
            consumer.Wake();
        }
    }
}
