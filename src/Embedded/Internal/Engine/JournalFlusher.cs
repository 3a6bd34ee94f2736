using System.Diagnostics;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// The thread that makes the consumer-group journals durable: one flush interval after they became dirty, at once
/// under flush=every-write, and sooner once an acknowledgement waits for it (qos 2) and appends have paused, because
/// waiting longer would batch nothing more and only hold every waiting acknowledgement (the subscription runner
/// keeps at most 1024 pending). A thread of its own, like the log's writer: its fsyncs block, and a timer
/// continuation on a busy thread pool queued behind the very work that waited for it. Thread-safe.
/// </summary>
internal sealed class JournalFlusher
{
    /// <summary>How long appends must pause, while an acknowledgement waits, before the journals are flushed early.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(1);

    private readonly object _gate = new();
    private readonly Action _flushAll;
    private readonly TimeSpan _interval;
    private readonly bool _immediate;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _dirty;
    private volatile bool _appended;
    private volatile bool _awaited;
    private bool _stopping;

    public JournalFlusher(EmbeddedSettings settings, Action flushAll)
    {
        _flushAll = flushAll;
        _interval = settings.FlushInterval;
        _immediate = settings.Flush == FlushPolicy.EveryWrite;
        new Thread(Run, 256 * 1024) { IsBackground = true, Name = "omnibus-journal-flusher" }.Start();
    }

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

    /// <summary>Stops the thread after a last flush; completes when it has exited (with its failure, if it failed).</summary>
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
                _flushAll();
            }

            _flushAll();
            _exited.TrySetResult();
        }
        catch (Exception e)
        {
            // The engine's close reports it, as it did when the flusher was a task.
            _exited.TrySetException(e);
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
