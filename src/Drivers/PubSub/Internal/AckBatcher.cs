using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// Acknowledgements of one member, sent as few Acknowledge calls as the load allows: whatever arrived while the
/// previous call was in flight goes in the next (up to <see cref="MaxIds"/> ids). Each ack completes when its call
/// did; a failed call fails its acks (the service redelivers them after their deadline).
/// </summary>
internal sealed class AckBatcher
{
    /// <summary>Ack ids per Acknowledge call at most (the request stays well under Pub/Sub's 512 KiB limit).</summary>
    public const int MaxIds = 2500;

    private readonly PubSubApi _api;
    private readonly string _subscription;
    private readonly ILogger _log;
    private readonly Channel<(string AckId, TaskCompletionSource Done)> _pending = Channel.CreateUnbounded<(string, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public AckBatcher(PubSubApi api, string subscription, ILogger log)
    {
        _api = api;
        _subscription = subscription;
        _log = log;
        _loop = Task.Run(LoopAsync);
    }

    public ValueTask AckAsync(string ackId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((ackId, done)))
        {
            return ValueTask.FromException(new ConnectionLostException(PubSubSettings.Scheme, $"The member of {_subscription} is closed: the acknowledgement was not sent (the message is redelivered)."));
        }

        return new ValueTask(done.Task);
    }

    /// <summary>Sends what is queued, then stops.</summary>
    public async Task CompleteAsync()
    {
        _pending.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<(string AckId, TaskCompletionSource Done)>(MaxIds);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxIds && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await _api.AcknowledgeAsync(_subscription, batch.Select(b => b.AckId), CancellationToken.None).ConfigureAwait(false);
                foreach (var (_, done) in batch)
                {
                    done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                Log.AckFailed(_log, batch.Count, _subscription, e.Message);
                var error = new ConnectionLostException(PubSubSettings.Scheme, $"Acknowledging on {_subscription} failed: {e.Message}", e);
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(error);
                }
            }

            batch.Clear();
        }
    }
}
