using System.Collections.Concurrent;
using global::RabbitMQ.Client.Exceptions;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// Topics, groups and backlog: from the management API when the <c>management</c> option is set
/// (RabbitMqDriver.Management.cs), else over plain AMQP. AMQP cannot list exchanges or queues, so the driver then
/// reports the topics and groups this process published to, subscribed or asked about; queue.declare (passive) gives
/// each queue's ready messages and consumers, and the unacknowledged ones are those this process holds (AMQP does not
/// count them). Lag = ready + unacknowledged + the group's retry queues + the topic's delay queues (over AMQP: those
/// this process declared).
/// </summary>
internal sealed partial class RabbitMqDriver : IBrokerAdmin, IBacklogSource
{
    private readonly ConcurrentDictionary<string, KnownTopic> _topics = new(StringComparer.Ordinal);

    IBrokerAdmin? IBrokerDriver.Admin => this;

    IBacklogSource? IBrokerDriver.Backlog => this;

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken)
    {
        if (_management is not null)
        {
            return (await ReadManagementAsync(_management, withExchanges: true, cancellationToken).ConfigureAwait(false)).Topics();
        }

        var topics = new List<TopicInfo>();
        foreach (var (name, known) in _topics.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            long stored = 0;
            foreach (var group in known.Groups.Keys)
            {
                stored += (await QueueAsync(Names.GroupQueue(name, group), cancellationToken).ConfigureAwait(false))?.Ready ?? 0;
            }

            topics.Add(new TopicInfo(name, stored + InFlight(name, group: null), Bytes: null, Interlocked.Read(ref known.Published), Partitions: 1));
        }

        return topics;
    }

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken)
    {
        if (_management is not null)
        {
            return (await ReadManagementAsync(_management, withExchanges: false, cancellationToken).ConfigureAwait(false)).Groups(topic);
        }

        var groups = new List<GroupInfo>();
        foreach (var (name, known) in _topics.Where(t => topic is null || t.Key == topic).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            foreach (var group in known.Groups.Keys.Order(StringComparer.Ordinal))
            {
                if (await QueueAsync(Names.GroupQueue(name, group), cancellationToken).ConfigureAwait(false) is { } queue)
                {
                    var inFlight = InFlight(name, group);
                    var waiting = await TtlQueuesAsync(name, group, cancellationToken).ConfigureAwait(false);
                    // The dead letters not replayed yet wait in the replay group's queue of <topic>.dlq (declared with each dead letter).
                    var deadLettered = await QueueAsync(Names.GroupQueue(name + ".dlq", Middleware.DeadLetterReplayOptions.DefaultGroup), cancellationToken).ConfigureAwait(false) is { } keeper ? keeper.Ready : 0;
                    groups.Add(new GroupInfo(name, group, queue.Ready + inFlight + waiting, inFlight, deadLettered, (int)queue.Consumers));
                }
            }
        }

        return groups;
    }

    public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) =>
        throw FeatureNotSupportedException.For(Scheme, "Peek", "RabbitMQ cannot read a queue without consuming it (basic.get takes the message, and handing it back marks it redelivered); read it with a subscription of its own group instead.");

    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_management is not null)
        {
            return (await ReadManagementAsync(_management, withExchanges: false, cancellationToken).ConfigureAwait(false)).Backlog(topic, group);
        }

        Remember(topic, group);
        if (await QueueAsync(Names.GroupQueue(topic, group), cancellationToken).ConfigureAwait(false) is not { } queue)
        {
            return null;
        }

        // AMQP counts only ready messages; the unacknowledged ones are known for this process's consumers alone. With
        // consumers in other processes their share is unknown, and under-counting would vote to scale in while work
        // waits: unknown it is (the management option counts them).
        if (queue.Consumers > _consumers.Keys.Count(c => c.Topic == topic && c.Group == group))
        {
            Log.BacklogUnavailable(Logger, Names.GroupQueue(topic, group), "consumers in other processes hold unacknowledged messages that AMQP does not count; set the 'management' option to count them");
            return null;
        }

        return queue.Ready + InFlight(topic, group) + await TtlQueuesAsync(topic, group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts <paramref name="topic"/> (and <paramref name="group"/>) among what the admin reports.</summary>
    private KnownTopic Remember(string topic, string? group = null)
    {
        var known = _topics.GetOrAdd(topic, static _ => new KnownTopic());
        if (group is not null)
        {
            known.Groups.TryAdd(group, 0);
        }

        return known;
    }

    /// <summary>Deliveries of the topic (or one group) that this process's consumers hold unacknowledged.</summary>
    private long InFlight(string topic, string? group) =>
        _consumers.Keys.Where(c => c.Topic == topic && (group is null || c.Group == group)).Sum(c => (long)c.InFlight);

    /// <summary>Messages waiting in the group's retry queues and the topic's delay queues known to this process.</summary>
    private async ValueTask<long> TtlQueuesAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var retry = Names.RetryQueue(topic, group, 0)[..^1];
        var delay = Names.DelayQueue(topic, 0)[..^1];
        long waiting = 0;
        foreach (var name in _ttlQueues.Keys.Where(q => q.StartsWith(retry, StringComparison.Ordinal) || q.StartsWith(delay, StringComparison.Ordinal)))
        {
            waiting += (await QueueAsync(name, cancellationToken).ConfigureAwait(false))?.Ready ?? 0;
        }

        return waiting;
    }

    /// <summary>Ready messages and consumers of <paramref name="queue"/> (queue.declare passive), or null when it does not exist or the broker is away.</summary>
    private async ValueTask<(uint Ready, uint Consumers)?> QueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);

            // A channel per question: a missing queue closes the channel that asked.
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                return (ok.MessageCount, ok.ConsumerCount);
            }
        }
        catch (Exception e) when (e is RabbitMQClientException or IOException or TimeoutException)
        {
            Log.BacklogUnavailable(Logger, queue, e.Message);
            return null;
        }
    }

    private sealed class KnownTopic
    {
        public long Published;

        public volatile bool Declared; // its exchange, on the current connection

        public volatile bool KeeperDeclared; // as a dead-letter topic: its exchange and the replay group's queue, on the current connection

        public ConcurrentDictionary<string, byte> Groups { get; } = new(StringComparer.Ordinal);
    }
}
