namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// The replies parsed from one read, completed together on a thread-pool thread, off the read loop. Not thread-safe:
/// the read loop fills one and then hands it over with <see cref="Dispatch"/>.
/// </summary>
internal sealed class ReplyBatch : IThreadPoolWorkItem
{
    private readonly List<(PendingRequest Request, object? Result, Exception? Error)> _replies = [];

    public void Add(PendingRequest request, object? result, Exception? error) => _replies.Add((request, result, error));

    /// <summary>Queues the batch if it holds anything and returns a fresh one for the next read.</summary>
    public ReplyBatch Dispatch()
    {
        if (_replies.Count == 0)
        {
            return this;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return new ReplyBatch();
    }

    public void Execute()
    {
        foreach (var (request, result, error) in _replies)
        {
            if (error is null)
            {
                request.TrySetResult(result);
            }
            else
            {
                request.TrySetException(error);
            }
        }
    }
}
