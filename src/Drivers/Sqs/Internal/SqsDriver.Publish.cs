using Amazon.SQS;
using Amazon.SQS.Model;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// Publishing: SendMessage, or SendMessageBatch for a batch (10 entries and <c>maxMessageSize</c> bytes per call at
/// most, SQS's limits). A publish completes when SQS answered with the message id. A queue that is gone (deleted, or
/// an emulator restarted) is looked up or created once more before the publish fails.
/// </summary>
internal sealed partial class SqsDriver
{
    /// <summary>SQS's limit of entries per batch call.</summary>
    public const int MaxBatchEntries = 10;

    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var outgoing = MessageMapping.ToOutgoing(topic, message, _settings.MaxMessageSize);
        for (var attempt = 0; ; attempt++)
        {
            var url = await QueueForPublishAsync(topic, cancellationToken).ConfigureAwait(false);
            try
            {
                var request = new SendMessageRequest
                {
                    QueueUrl = url,
                    MessageBody = outgoing.Body,
                    MessageAttributes = outgoing.Attributes,
                    DelaySeconds = outgoing.DelaySeconds,
                    MessageGroupId = outgoing.GroupId,
                    MessageDeduplicationId = outgoing.DeduplicationId,
                };
                await _client.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (QueueDoesNotExistException) when (attempt == 0)
            {
                ForgetQueue(topic);
            }
            catch (Exception e) when (e is AmazonSQSException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or TimeoutException)
            {
                throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by SQS at {_settings.Target}: {e.Message}", e);
            }
        }
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var errors = new Exception?[messages.Count];
        var chunk = new List<(int Index, OutgoingMessage Message)>(MaxBatchEntries);
        var chunkSize = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            OutgoingMessage outgoing;
            try
            {
                outgoing = MessageMapping.ToOutgoing(topic, messages[i], _settings.MaxMessageSize);
            }
            catch (OmnibusException e)
            {
                errors[i] = e;
                continue;
            }

            if (chunk.Count == MaxBatchEntries || chunkSize + outgoing.Size > _settings.MaxMessageSize)
            {
                await SendChunkAsync(topic, messages, chunk, errors, cancellationToken).ConfigureAwait(false);
                chunk.Clear();
                chunkSize = 0;
            }

            chunk.Add((i, outgoing));
            chunkSize += outgoing.Size;
        }

        if (chunk.Count > 0)
        {
            await SendChunkAsync(topic, messages, chunk, errors, cancellationToken).ConfigureAwait(false);
        }

        return new PublishBatchResult(errors);
    }

    private async Task SendChunkAsync(string topic, IReadOnlyList<Message> messages, List<(int Index, OutgoingMessage Message)> chunk, Exception?[] errors, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var url = await QueueForPublishAsync(topic, cancellationToken).ConfigureAwait(false);
                var entries = chunk.Select((c, n) => new SendMessageBatchRequestEntry
                {
                    Id = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    MessageBody = c.Message.Body,
                    MessageAttributes = c.Message.Attributes,
                    DelaySeconds = c.Message.DelaySeconds,
                    MessageGroupId = c.Message.GroupId,
                    MessageDeduplicationId = c.Message.DeduplicationId,
                }).ToList();
                var response = await _client.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = url, Entries = entries }, cancellationToken).ConfigureAwait(false);
                foreach (var failed in response.Failed ?? [])
                {
                    var index = chunk[int.Parse(failed.Id, System.Globalization.CultureInfo.InvariantCulture)].Index;
                    errors[index] = new PublishException(topic, Scheme, $"SQS at {_settings.Target} refused message {messages[index].Id} to '{topic}': {failed.Message} (code {failed.Code}).");
                }

                return;
            }
            catch (QueueDoesNotExistException) when (attempt == 0)
            {
                ForgetQueue(topic);
            }
            catch (Exception e) when (e is PublishException or AmazonSQSException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or TimeoutException)
            {
                foreach (var (index, _) in chunk)
                {
                    errors[index] = e as PublishException ?? new PublishException(topic, Scheme, $"Publishing message {messages[index].Id} to '{topic}' was not confirmed by SQS at {_settings.Target}: {e.Message}", e);
                }

                return;
            }
        }
    }

    private async ValueTask<string> QueueForPublishAsync(string topic, CancellationToken cancellationToken)
    {
        try
        {
            return await ResolveQueueAsync(topic, create: true, cancellationToken).ConfigureAwait(false)
                ?? throw new PublishException(topic, Scheme, $"Topic '{topic}' has no SQS queue '{Names.Queue(topic)}' at {_settings.Target}, and createQueues=false forbids creating one.");
        }
        catch (Exception e) when (e is AmazonSQSException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or TimeoutException)
        {
            throw new PublishException(topic, Scheme, $"Finding the SQS queue of topic '{topic}' at {_settings.Target} failed: {e.Message}", e);
        }
    }
}
