using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// Queues: a topic's queue is looked up (GetQueueUrl, its URL used verbatim) or created (CreateQueue: FIFO for a
/// '.fifo' topic, tagged with the topic); a group claims the queue with the <see cref="Names.GroupTag"/> tag, so a
/// second group on the topic is refused instead of silently competing with the first.
/// </summary>
internal sealed partial class SqsDriver
{
    private readonly ConcurrentDictionary<string, string> _queueUrls = new(StringComparer.Ordinal);

    /// <summary>
    /// The URL of the topic's queue, created when missing if <paramref name="create"/> and createQueues allow it; null
    /// otherwise. <paramref name="fresh"/> asks SQS even when the URL is cached: opening a member does, so an endpoint
    /// that is away fails the open (and the core backs off) instead of the receive right after it.
    /// </summary>
    internal async ValueTask<string?> ResolveQueueAsync(string topic, bool create, CancellationToken cancellationToken, bool fresh = false)
    {
        if (!fresh && _queueUrls.TryGetValue(topic, out var cached))
        {
            return cached;
        }

        var name = Names.Queue(topic);
        string url;
        try
        {
            url = (await _client.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = name }, cancellationToken).ConfigureAwait(false)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
            if (!create || !_settings.CreateQueues)
            {
                return null;
            }

            var request = new CreateQueueRequest { QueueName = name, Tags = new Dictionary<string, string> { [Names.TopicTag] = topic } };
            if (Names.IsFifo(topic))
            {
                // Deduplication ids come from the driver (IdempotencyId, else the message id), never from the body.
                request.Attributes = new Dictionary<string, string> { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "false" };
            }

            url = (await _client.CreateQueueAsync(request, cancellationToken).ConfigureAwait(false)).QueueUrl;
            Log.QueueCreated(_log, name, topic, _settings.Target);
        }

        _queueUrls[topic] = url;
        return url;
    }

    /// <summary>The topic's queue is gone (deleted, or an emulator restarted): look it up, or create it, again next time.</summary>
    internal void ForgetQueue(string topic)
    {
        if (_queueUrls.TryRemove(topic, out _))
        {
            Log.QueueGone(_log, Names.Queue(topic), topic, _settings.Target);
        }
    }

    /// <summary>Claims the queue for <paramref name="group"/>, or refuses a second group.</summary>
    private async ValueTask ClaimGroupAsync(string topic, string url, string group, CancellationToken cancellationToken)
    {
        var owner = await GroupOfAsync(url, cancellationToken).ConfigureAwait(false);
        if (owner is null)
        {
            await _client.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new Dictionary<string, string> { [Names.GroupTag] = group } }, cancellationToken).ConfigureAwait(false);
            owner = await GroupOfAsync(url, cancellationToken).ConfigureAwait(false); // two groups tagging at once: one wins, the other is refused
        }

        if (owner != group)
        {
            throw new OmnibusConfigurationException(nameof(SubscriptionOptions.Group), $"Group '{group}' cannot consume topic '{topic}' on the sqs:// driver: its queue '{Names.Queue(topic)}' is consumed by group '{owner}' (queue tag {Names.GroupTag}), and an SQS queue has one group, whose members compete (no fan-out to several groups). Allowed is group '{owner}', or another topic; to hand the queue to another group, remove the tag.");
        }
    }

    /// <summary>The group that claimed the queue, or null.</summary>
    internal async ValueTask<string?> GroupOfAsync(string url, CancellationToken cancellationToken)
    {
        var tags = (await _client.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url }, cancellationToken).ConfigureAwait(false)).Tags;
        return tags is not null && tags.TryGetValue(Names.GroupTag, out var owner) && !string.IsNullOrEmpty(owner) ? owner : null;
    }
}
