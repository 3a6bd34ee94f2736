using System.Globalization;
using System.Threading.Channels;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// Acknowledgements of one queue as DeleteMessageBatch calls: each ack waits in a channel, and a few senders take up to
/// 10 at once (SQS's limit) without waiting for more, so a lone ack goes out at once and a burst shares calls. An ack
/// completes when SQS confirmed its delete. After <see cref="Complete"/> an ack is a single DeleteMessage. Thread-safe.
/// </summary>
internal sealed class DeleteBatcher
{
    private const int Senders = 4;
    private readonly AmazonSQSClient _client;
    private readonly string _queueUrl;
    private readonly Channel<(string Receipt, TaskCompletionSource Done)> _pending = Channel.CreateUnbounded<(string, TaskCompletionSource)>();
    private readonly Task[] _senders;

    public DeleteBatcher(AmazonSQSClient client, string queueUrl)
    {
        _client = client;
        _queueUrl = queueUrl;
        _senders = [.. Enumerable.Range(0, Senders).Select(_ => Task.Run(SendLoopAsync))];
    }

    /// <summary>Deletes the message of <paramref name="receiptHandle"/>; completes when SQS confirmed it.</summary>
    public async ValueTask DeleteAsync(string receiptHandle, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((receiptHandle, done)))
        {
            await _client.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = _queueUrl, ReceiptHandle = receiptHandle }, cancellationToken).ConfigureAwait(false);
            return;
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what waits, then stops the senders.</summary>
    public Task Complete()
    {
        _pending.Writer.TryComplete();
        return Task.WhenAll(_senders);
    }

    private async Task SendLoopAsync()
    {
        var batch = new List<(string Receipt, TaskCompletionSource Done)>(SqsDriver.MaxBatchEntries);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < SqsDriver.MaxBatchEntries && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count > 0)
            {
                await SendAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
    }

    private async Task SendAsync(List<(string Receipt, TaskCompletionSource Done)> batch)
    {
        try
        {
            var entries = batch.Select((b, i) => new DeleteMessageBatchRequestEntry { Id = i.ToString(CultureInfo.InvariantCulture), ReceiptHandle = b.Receipt }).ToList();
            var response = await _client.DeleteMessageBatchAsync(new DeleteMessageBatchRequest { QueueUrl = _queueUrl, Entries = entries }).ConfigureAwait(false);
            var failed = new Dictionary<string, BatchResultErrorEntry>(StringComparer.Ordinal);
            foreach (var entry in response.Failed ?? [])
            {
                failed[entry.Id] = entry;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (failed.TryGetValue(i.ToString(CultureInfo.InvariantCulture), out var error))
                {
                    batch[i].Done.TrySetException(new AmazonSQSException($"SQS refused to delete the message: {error.Message} (code {error.Code})."));
                }
                else
                {
                    batch[i].Done.TrySetResult();
                }
            }
        }
        catch (Exception e)
        {
            foreach (var (_, done) in batch)
            {
                done.TrySetException(e);
            }
        }
    }
}
