using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// Admin and backlog from queue attributes: a topic is a queue (its name from the <see cref="Names.TopicTag"/> tag,
/// else the queue's), its group the one in <see cref="Names.GroupTag"/>; the backlog is
/// ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible + ApproximateNumberOfMessagesDelayed (ready,
/// in flight or waiting out a nack's visibility, delayed). SQS cannot show a message without receiving it (which
/// counts a receive), so peeking is not offered.
/// </summary>
internal sealed partial class SqsDriver : IBrokerAdmin, IBacklogSource
{
    private static readonly List<string> CountAttributes = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"];

    public IBrokerAdmin Admin => this;

    public IBacklogSource Backlog => this;

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken)
    {
        var topics = new List<TopicInfo>();
        foreach (var queue in await ListQueuesAsync(cancellationToken).ConfigureAwait(false))
        {
            var counts = await CountsAsync(queue.Url, cancellationToken).ConfigureAwait(false);
            // SQS keeps no running total of what was sent: Published is what the queue holds now.
            topics.Add(new TopicInfo(queue.Topic, counts.Total, null, counts.Total, 1));
        }

        return [.. topics.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken)
    {
        var groups = new List<GroupInfo>();
        var queues = await ListQueuesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var queue in queues.Where(q => q.Group is not null && (topic is null || q.Topic == topic)))
        {
            var counts = await CountsAsync(queue.Url, cancellationToken).ConfigureAwait(false);
            var dlq = queues.FirstOrDefault(q => q.Topic == queue.Topic + ".dlq");
            var dead = dlq is null ? 0 : (await CountsAsync(dlq.Url, cancellationToken).ConfigureAwait(false)).Total;
            var members = _consumers.Keys.Count(c => c.Spec.Topic == queue.Topic && c.Spec.Group == queue.Group);
            groups.Add(new GroupInfo(queue.Topic, queue.Group!, counts.Total, counts.NotVisible, dead, members));
        }

        return [.. groups.OrderBy(g => g.Topic, StringComparer.Ordinal).ThenBy(g => g.Group, StringComparer.Ordinal)];
    }

    public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) =>
        throw FeatureNotSupportedException.For(Scheme, "peek", "SQS shows a message only by receiving it, which hides it from its group and counts a delivery attempt; use the backlog counts (omnibus groups) instead.");

    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        try
        {
            if (await ResolveQueueAsync(topic, create: false, cancellationToken).ConfigureAwait(false) is not { } url)
            {
                return null;
            }

            var owner = await GroupOfAsync(url, cancellationToken).ConfigureAwait(false);
            if (owner is not null && owner != group)
            {
                return null;
            }

            return (await CountsAsync(url, cancellationToken).ConfigureAwait(false)).Total;
        }
        catch (QueueDoesNotExistException)
        {
            ForgetQueue(topic);
            return null;
        }
        catch (Exception e) when (e is AmazonSQSException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or TimeoutException)
        {
            Log.BacklogUnavailable(_log, topic, group, e.Message);
            return null;
        }
    }

    private async ValueTask<(long Total, long NotVisible)> CountsAsync(string url, CancellationToken cancellationToken)
    {
        var attributes = (await _client.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = CountAttributes }, cancellationToken).ConfigureAwait(false)).Attributes ?? [];
        long Read(string name) => attributes.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var notVisible = Read("ApproximateNumberOfMessagesNotVisible");
        return (Read("ApproximateNumberOfMessages") + notVisible + Read("ApproximateNumberOfMessagesDelayed"), notVisible);
    }

    private async ValueTask<List<QueueEntry>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var queues = new List<QueueEntry>();
        string? next = null;
        do
        {
            var page = await _client.ListQueuesAsync(new ListQueuesRequest { MaxResults = 1000, NextToken = next }, cancellationToken).ConfigureAwait(false);
            foreach (var url in page.QueueUrls ?? [])
            {
                var tags = (await _client.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url }, cancellationToken).ConfigureAwait(false)).Tags ?? [];
                var topic = tags.TryGetValue(Names.TopicTag, out var t) ? t : Names.QueueOfUrl(url);
                if (TopicName.IsValid(topic))
                {
                    queues.Add(new QueueEntry(url, topic, tags.TryGetValue(Names.GroupTag, out var g) ? g : null));
                }
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
        return queues;
    }

    private sealed record QueueEntry(string Url, string Topic, string? Group);
}
