namespace Omnibus.Middleware;

/// <summary>
/// Handler middleware that retries a failing handler in place, with backoff, before the failure reaches the
/// broker as a rejection. Cheaper than a broker round trip for short transient faults; each broker delivery
/// then costs up to <c>retries + 1</c> handler runs.
/// </summary>
public static class InProcessRetry
{
    /// <summary>The middleware: up to <paramref name="retries"/> extra runs, waiting <paramref name="backoff"/> between them.</summary>
    public static HandlerMiddleware Create(int retries, RetryBackoff? backoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        backoff ??= RetryBackoff.Default;
        return (next, _) => async (message, cancellationToken) =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await next(message, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception) when (attempt <= retries && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(backoff.DelayAfter(attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        };
    }
}
