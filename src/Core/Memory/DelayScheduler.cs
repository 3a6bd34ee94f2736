namespace Omnibus.Memory;

/// <summary>
/// Makes entries ready at a given time: delayed publishes and backed-off redeliveries. One timer, armed for the
/// earliest due entry. Thread-safe.
/// </summary>
internal sealed class DelayScheduler : IDisposable
{
    private readonly object _lock = new();
    private readonly PriorityQueue<MemoryDelivery, DateTimeOffset> _queue = new();
    private readonly Timer _timer;
    private DateTimeOffset _armedFor = DateTimeOffset.MaxValue;
    private bool _disposed;

    public DelayScheduler() => _timer = new Timer(_ => Fire(), null, Timeout.Infinite, Timeout.Infinite);

    public void Schedule(DateTimeOffset due, MemoryDelivery entry)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue(entry, due);
            if (due < _armedFor)
            {
                Arm(due);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private void Fire()
    {
        List<MemoryDelivery>? due = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var now = DateTimeOffset.UtcNow;
            while (_queue.TryPeek(out var entry, out var at) && at <= now)
            {
                _queue.Dequeue();
                (due ??= []).Add(entry);
            }

            _armedFor = DateTimeOffset.MaxValue;
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var entry in due)
        {
            entry.Group.MakeReady(entry);
        }
    }

    private void Arm(DateTimeOffset due)
    {
        _armedFor = due;
        var wait = due - DateTimeOffset.UtcNow;
        _timer.Change(wait <= TimeSpan.Zero ? TimeSpan.Zero : wait + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }
}
