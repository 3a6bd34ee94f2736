using System.Threading.Channels;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// One lane of a topic's publishing: one Publish request in flight at a time, so messages of one ordering key (always
/// on the same lane) reach the service in order. Messages queue while a request is in flight and go out together in
/// the next, up to <see cref="PubSubSettings.PublishMaxMessages"/> messages and <see cref="PubSubSettings.PublishMaxBytes"/>
/// bytes; with a <see cref="PubSubSettings.PublishDelay"/> a batch also waits that long for more. Every message
/// completes with the id the service gave it, or fails with the request.
/// </summary>
internal sealed class PublishLane
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<PubsubMessage>, Task<IReadOnlyList<string>>> _send;
    private readonly PubSubSettings _settings;
    private readonly Task _loop;
    private Pending? _carried;

    // send publishes one request (the driver re-creates a topic found gone and retries there).
    public PublishLane(PubSubSettings settings, Func<IReadOnlyList<PubsubMessage>, Task<IReadOnlyList<string>>> send)
    {
        _settings = settings;
        _send = send;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Queues <paramref name="message"/>; completes with its Pub/Sub message id.</summary>
    public Task<string> PublishAsync(PubsubMessage message, CancellationToken cancellationToken)
    {
        var pending = new Pending(message, MessageMapping.SizeOf(message), cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException<string>(new ObjectDisposedException("pubsub:// publish lane"));
        }

        return pending.Done.Task;
    }

    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>();
        while (_carried is not null || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_settings.PublishDelay > TimeSpan.Zero)
            {
                await Task.Delay(_settings.PublishDelay).ConfigureAwait(false); // the configured batching delay
            }

            var bytes = 0;
            if (_carried is { } carried)
            {
                batch.Add(carried);
                bytes = carried.Size;
                _carried = null;
            }

            while (batch.Count < _settings.PublishMaxMessages && _queue.Reader.TryRead(out var next))
            {
                if (next.Cancellation.IsCancellationRequested)
                {
                    next.Done.TrySetCanceled(next.Cancellation);
                    continue;
                }

                if (batch.Count > 0 && bytes + next.Size > _settings.PublishMaxBytes)
                {
                    _carried = next; // first of the next request
                    break;
                }

                batch.Add(next);
                bytes += next.Size;
            }

            if (batch.Count > 0)
            {
                await SendAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        try
        {
            var ids = await _send(batch.ConvertAll(p => p.Message)).ConfigureAwait(false);
            if (ids.Count != batch.Count)
            {
                throw new InvalidOperationException($"Pub/Sub confirmed {ids.Count} message ids for a request of {batch.Count} messages");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(ids[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private sealed record Pending(PubsubMessage Message, int Size, CancellationToken Cancellation)
    {
        public TaskCompletionSource<string> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
