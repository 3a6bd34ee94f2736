using System.Collections.Concurrent;

namespace Omnibus.Conformance;

/// <summary>
/// Collects what handlers saw, and lets a test wait for a condition on it without sleeping: every addition
/// wakes the waiters, which re-check their condition until it holds or the deadline passes.
/// </summary>
public sealed class Recorder<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Everything recorded so far, in recording order.</summary>
    public IReadOnlyList<T> Items => _items.ToArray();

    /// <summary>How many items were recorded.</summary>
    public int Count => _items.Count;

    /// <summary>Records an item and wakes the waiters.</summary>
    public void Add(T item)
    {
        _items.Enqueue(item);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the items; fails the test with <paramref name="what"/> on timeout.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            var items = Items;
            if (condition(items))
            {
                return;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; {items.Count} items recorded.");
            }

            try
            {
                await changed.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                // Loop once more to report with the final state.
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> items were recorded.</summary>
    public Task WaitForCountAsync(int count, TimeSpan timeout) =>
        WaitUntilAsync(items => items.Count >= count, timeout, $"{count} items");
}
