namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Groups settle commands of one consumer into batches: the first item is sent at once; items arriving while a batch is
/// on its way go together in the next one, so the batch size follows the load (one XACK with many ids at high rates, one
/// per entry when it is quiet) and there is never more than one batch in flight. Each item's task completes with its
/// batch. Thread-safe.
/// </summary>
internal sealed class CommandBatcher<T>
{
    private readonly object _lock = new();
    private readonly Func<IReadOnlyList<T>, Task> _send;
    private List<T> _waiting = [];
    private TaskCompletionSource? _next;
    private Task _flushing = Task.CompletedTask;
    private bool _running;

    public CommandBatcher(Func<IReadOnlyList<T>, Task> send) => _send = send;

    /// <summary>Queues <paramref name="item"/>; completes when the batch holding it was sent and answered.</summary>
    public ValueTask AddAsync(T item)
    {
        Task done;
        var start = false;
        lock (_lock)
        {
            _waiting.Add(item);
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = _next.Task;
            if (!_running)
            {
                _running = start = true;
            }
        }

        if (start)
        {
            _flushing = FlushAsync();
        }

        return new ValueTask(done);
    }

    /// <summary>Completes once everything queued so far was sent (failures are reported to the items, not here).</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task flushing;
            lock (_lock)
            {
                if (!_running)
                {
                    return;
                }

                flushing = _flushing;
            }

            if (flushing.IsCompleted)
            {
                await Task.Yield(); // the flush just started and its task is not published yet
            }
            else
            {
                await flushing.ConfigureAwait(false);
            }
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            List<T> batch;
            TaskCompletionSource done;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }

                (batch, _waiting) = (_waiting, []);
                done = _next!;
                _next = null;
            }

            try
            {
                await _send(batch).ConfigureAwait(false);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
    }
}
