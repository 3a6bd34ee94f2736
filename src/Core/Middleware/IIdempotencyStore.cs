namespace Omnibus.Middleware;

/// <summary>
/// Remembers which message ids a group has handled, for <see cref="IdempotentConsumer"/>. Implement it over a
/// shared store (a database, Redis) to dedupe across processes. Implementations must be thread-safe.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>Whether <paramref name="messageId"/> was already handled successfully by <paramref name="group"/>.</summary>
    ValueTask<bool> IsProcessedAsync(string group, string messageId, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="group"/> handled <paramref name="messageId"/> successfully.</summary>
    ValueTask MarkProcessedAsync(string group, string messageId, CancellationToken cancellationToken);
}
