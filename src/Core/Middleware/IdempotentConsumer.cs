namespace Omnibus.Middleware;

/// <summary>
/// Handler middleware that skips (and so acknowledges) a message whose id its group already handled
/// successfully: at-least-once delivery becomes effectively-once handling, within what the store remembers.
/// Two deliveries of one id handled at the same instant may both run; the store only sees finished ones.
/// </summary>
public static class IdempotentConsumer
{
    /// <summary>The middleware, remembering ids in <paramref name="store"/> (default: a new in-memory LRU store).</summary>
    public static HandlerMiddleware Create(IIdempotencyStore? store = null)
    {
        store ??= new InMemoryIdempotencyStore();
        return (next, subscription) => async (message, cancellationToken) =>
        {
            if (await store.IsProcessedAsync(subscription.Group, message.Id, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await next(message, cancellationToken).ConfigureAwait(false);
            await store.MarkProcessedAsync(subscription.Group, message.Id, cancellationToken).ConfigureAwait(false);
        };
    }
}
