using Grpc.Core;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// Admin from ListTopics and ListSubscriptions. Pub/Sub's API counts no messages (the service reports backlog only
/// through Cloud Monitoring's <c>num_undelivered_messages</c>, the emulator not at all), so a topic's counts are 0, a
/// group's lag and in-flight are what this process's members hold unsettled (a lower bound), and the driver offers no
/// <see cref="IBacklogSource"/>: the scale monitor reads "backlog unknown" and does not vote. Peek would have to
/// receive (and so count an attempt): it is not offered.
/// </summary>
internal sealed partial class PubSubDriver : IBrokerAdmin
{
    public IBrokerAdmin Admin => this;

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken)
    {
        var topics = new List<TopicInfo>();
        await foreach (var topic in Listing(_api.ListTopicsAsync(cancellationToken), cancellationToken).ConfigureAwait(false))
        {
            var id = Names.IdOf(topic.Name);
            if (TopicName.IsValid(id))
            {
                topics.Add(new TopicInfo(id, 0, null, 0, 1));
            }
        }

        return [.. topics.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken)
    {
        var groups = new List<GroupInfo>();
        await foreach (var subscription in Listing(_api.ListSubscriptionsAsync(cancellationToken), cancellationToken).ConfigureAwait(false))
        {
            var topicId = Names.IdOf(subscription.Topic);
            if ((topic is not null && topicId != topic) || !TopicName.IsValid(topicId))
            {
                continue;
            }

            var group = Names.GroupOf(Names.IdOf(subscription.Name), topicId);
            var members = _consumers.Keys.Where(c => c.Subscription == subscription.Name).ToList();
            var inFlight = members.Sum(m => (long)m.Unsettled);
            groups.Add(new GroupInfo(topicId, group, inFlight, inFlight, 0, members.Count));
        }

        return [.. groups.OrderBy(g => g.Topic, StringComparer.Ordinal).ThenBy(g => g.Group, StringComparer.Ordinal)];
    }

    public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) =>
        throw new FeatureNotSupportedException(Scheme, "Peek", "Pub/Sub cannot show stored messages without receiving them (which counts a delivery attempt): the pubsub:// driver offers no peek.");

    /// <summary>A listing, with a service out of reach reported as a lost connection.</summary>
    private async IAsyncEnumerable<T> Listing<T>(IAsyncEnumerable<T> listing, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var items = listing.GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (RpcException e) when (PubSubApi.IsTransient(e))
                {
                    throw new ConnectionLostException(Scheme, $"Pub/Sub at {_settings.Address} cannot be reached: {e.StatusCode}: {e.Status.Detail}", e);
                }

                yield return items.Current;
            }
        }
    }
}
