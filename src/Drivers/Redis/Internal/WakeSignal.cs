namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Wakes a consumer's read loop early: set by a wake-up message from a publisher, a settled delivery that frees room, or
/// a nack coming due. Setting it several times before the loop waits wakes it once. Thread-safe.
/// </summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        if (_semaphore.CurrentCount == 0)
        {
            try
            {
                _semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Set by another thread at the same moment: it is set, which is all that was asked.
            }
            catch (ObjectDisposedException)
            {
                // The consumer closed: nobody waits any more.
            }
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/>; true when it was set.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
