using System.Collections.Concurrent;

namespace Omnibus.Middleware;

/// <summary>
/// Handler middleware that skips (and so acknowledges) a message whose id its group already handled
/// successfully: at-least-once delivery becomes effectively-once handling, within what the store remembers. The id is
/// the <see cref="HeaderNames.IdempotencyId"/> header when present (a broker without publish dedupe carries
/// <see cref="Message.IdempotencyId"/> so), else <see cref="Message.Id"/>.
/// A duplicate that arrives while its twin is still being handled in this process waits for the twin, then is
/// skipped if the twin succeeded (or handled if it failed); across processes, the store decides.
/// </summary>
public static class IdempotentConsumer
{
    /// <summary>The middleware, remembering ids in <paramref name="store"/> (default: a new in-memory LRU store).</summary>
    public static HandlerMiddleware Create(IIdempotencyStore? store = null)
    {
        store ??= new InMemoryIdempotencyStore();
        var inFlight = new ConcurrentDictionary<(string Group, string Id), Task>();
        return (next, subscription) => async (message, cancellationToken) =>
        {
            var id = message.GetHeader(HeaderNames.IdempotencyId) ?? message.Id;
            var key = (subscription.Group, id);
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            while (!inFlight.TryAdd(key, mine.Task))
            {
                if (inFlight.TryGetValue(key, out var twin))
                {
                    await twin.ContinueWith(static _ => { }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                }
            }

            try
            {
                if (await store.IsProcessedAsync(subscription.Group, id, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                await next(message, cancellationToken).ConfigureAwait(false);
                await store.MarkProcessedAsync(subscription.Group, id, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                inFlight.TryRemove(new KeyValuePair<(string, string), Task>(key, mine.Task));
                mine.SetResult();
            }
        };
    }
}
