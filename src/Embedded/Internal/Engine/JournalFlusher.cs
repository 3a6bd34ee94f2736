using System.Diagnostics;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// The thread that makes the consumer-group journals durable: one flush interval after they became dirty, at once
/// under flush=every-write, and sooner once an acknowledgement waits for it (qos 2) and appends have paused, because
/// waiting longer would batch nothing more and only hold every waiting acknowledgement (the subscription runner
/// keeps at most 1024 pending). A thread of its own, like the log's writer: its fsyncs block, and a timer
/// continuation on a busy thread pool queued behind the very work that waited for it. Any failure of a flush (I/O or
/// not) ends the thread and is handed to the engine, which stops: a flusher that died quietly left acknowledgements
/// waiting for good and settlements unsaved until close. Thread-safe.
/// </summary>
internal sealed class JournalFlusher
{
    /// <summary>How long appends must pause, while an acknowledgement waits, before the journals are flushed early.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(1);

    private readonly object _gate = new();
    private readonly Action _flushAll;
    private readonly Action<Exception> _failed;
    private readonly TimeSpan _interval;
    private readonly bool _immediate;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _dirty;
    private volatile bool _appended;
    private volatile bool _awaited;
    private bool _stopping;

    /// <param name="settings">The flush policy and interval.</param>
    /// <param name="flushAll">Flushes every journal; runs on the flusher's thread.</param>
    /// <param name="failed">Told, once, what a flush threw; the thread has stopped flushing by then.</param>
    public JournalFlusher(EmbeddedSettings settings, Action flushAll, Action<Exception> failed)
    {
        _flushAll = flushAll;
        _failed = failed;
        _interval = settings.FlushInterval;
        _immediate = settings.Flush == FlushPolicy.EveryWrite;
        new Thread(Run, 256 * 1024) { IsBackground = true, Name = "omnibus-journal-flusher" }.Start();
    }

    /// <summary>
    /// Test seam (fault injection): runs on the flusher's thread before each flush, and what it throws counts as that
    /// flush failing. Null in production.
    /// </summary>
    internal Action? BeforeFlush { get; set; }

    /// <summary>A journal has unflushed appends. Called on every settlement, so it takes the lock only when idle.</summary>
    public void Dirty()
    {
        _appended = true;
        if (_dirty)
        {
            return;
        }

        lock (_gate)
        {
            _dirty = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>An acknowledgement waits until the journals are durable. Takes the lock only for the first one.</summary>
    public void Awaited()
    {
        if (_awaited)
        {
            return;
        }

        lock (_gate)
        {
            _awaited = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Stops the thread after a last flush; completes when it has exited (a failure went to the engine, not here).</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        return _exited.Task;
    }

    private void Run()
    {
        try
        {
            while (WaitForWork())
            {
                // Cleared first: an acknowledgement that waits from here on is in this flush or sets it again.
                _awaited = false;
                BeforeFlush?.Invoke();
                _flushAll();
            }

            _flushAll();
        }
        catch (Exception e)
        {
            // Every exception, not only I/O: whatever stopped this thread stops the engine, which says so at once.
            _failed(e);
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    /// <summary>Blocks until the journals should be flushed; false once stopping.</summary>
    private bool WaitForWork()
    {
        lock (_gate)
        {
            while (!_dirty && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            // Appends from here on mark it dirty again; those made before are in the coming flush.
            _dirty = false;
            if (_immediate || _stopping)
            {
                return !_stopping;
            }

            var started = Stopwatch.GetTimestamp();
            _appended = false;
            while (!_stopping)
            {
                var remaining = _interval - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return true;
                }

                // Nobody waiting: sleep out the interval (an acknowledgement that starts waiting wakes this).
                var awaited = _awaited;
                var wait = awaited && remaining > QuietPeriod ? QuietPeriod : remaining;
                Monitor.Wait(_gate, Math.Max(1, (int)Math.Ceiling(wait.TotalMilliseconds)));
                var appended = _appended;
                _appended = false;
                if (awaited && !appended)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
