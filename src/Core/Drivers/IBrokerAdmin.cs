namespace Omnibus.Drivers;

/// <summary>
/// Optional driver capability: look inside the broker (topics, groups, stored messages) without consuming anything.
/// The <c>omnibus</c> CLI, the server's HTTP API and its dashboard use it; a driver whose broker cannot answer these
/// questions does not implement it, and callers report that clearly. Implementations are thread-safe.
/// </summary>
public interface IBrokerAdmin
{
    /// <summary>Every topic the broker holds, ordered by name.</summary>
    ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken);

    /// <summary>Every consumer group, or only those of <paramref name="topic"/>, ordered by topic then group.</summary>
    ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken);

    /// <summary>
    /// One group of <paramref name="topic"/> by name, or null when the broker knows no such pair. A driver whose broker
    /// cannot list its groups to every client (librdkafka's mock cluster answers no ListGroups) overrides this to
    /// answer for a group it is told the name of.
    /// </summary>
    async ValueTask<GroupInfo?> GetGroupAsync(string topic, string group, CancellationToken cancellationToken) =>
        (await GetGroupsAsync(topic, cancellationToken).ConfigureAwait(false)).FirstOrDefault(g => g.Group == group);

    /// <summary>
    /// Up to <paramref name="max"/> stored messages of <paramref name="topic"/>, oldest first, without delivering or
    /// acknowledging anything. An unknown topic gives an empty list.
    /// </summary>
    ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken);
}

/// <summary>One topic as the broker sees it.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Messages">Messages stored now (after retention and expiry).</param>
/// <param name="Bytes">Bytes the stored messages occupy, or null when the broker cannot tell.</param>
/// <param name="Published">Messages accepted since the topic was created (a running total; rates derive from it).</param>
/// <param name="Partitions">Partitions (1 when the topic is not partitioned).</param>
public sealed record TopicInfo(string Name, long Messages, long? Bytes, long Published, int Partitions);

/// <summary>One consumer group on one topic.</summary>
/// <param name="Topic">The topic the group reads.</param>
/// <param name="Group">The group name.</param>
/// <param name="Lag">Messages the group has not acknowledged yet (ready, delayed and in flight).</param>
/// <param name="InFlight">Messages delivered to a member and not yet settled.</param>
/// <param name="DeadLettered">Messages stored in the topic's default dead-letter topic (<c>&lt;topic&gt;.dlq</c>).</param>
/// <param name="Members">Consumers of this process (or server) attached to the group now.</param>
public sealed record GroupInfo(string Topic, string Group, long Lag, long InFlight, long DeadLettered, int Members);
