namespace Omnibus.Protocol;

/// <summary>
/// The outgoing side of a connection. Any thread encodes frames into the pending buffer (under a lock, no await);
/// one writer loop (<see cref="RunAsync"/>) swaps buffers and writes everything pending in one go, so frames written
/// while a write is under way share the next one. Producers that can wait (deliveries, publishes) call
/// <see cref="WaitForSpaceAsync"/> first, which keeps the pending bytes near <c>limit</c>: a peer that stops reading
/// stalls its producers instead of growing memory. Thread-safe.
/// </summary>
internal sealed class Outbox : IDisposable
{
    private readonly object _lock = new();
    private readonly AsyncSignal _signal = new();
    private readonly int _limit;
    private FrameBuilder _pending = new();
    private FrameBuilder? _spare = new();
    private TaskCompletionSource? _space;
    private TaskCompletionSource? _pendingWritten; // completes when the frames pending now have reached the sink
    private TaskCompletionSource? _batchWritten;   // completes when the batch the writer holds has reached the sink
    private bool _writing;
    private bool _closed;

    /// <param name="limit">Pending bytes above which <see cref="WaitForSpaceAsync"/> waits.</param>
    public Outbox(int limit) => _limit = limit;

    /// <summary>Bytes encoded and not yet handed to the writer.</summary>
    public int PendingBytes
    {
        get
        {
            lock (_lock)
            {
                return _pending.Length;
            }
        }
    }

    /// <summary>Starts a frame; the returned scope holds the lock until disposed, which completes and sends it.</summary>
    /// <exception cref="IOException">The outbox is closed.</exception>
    public FrameScope Begin(Opcode opcode, uint requestId)
    {
        Monitor.Enter(_lock);
        if (_closed)
        {
            Monitor.Exit(_lock);
            throw new IOException("The connection is closed.");
        }

        return new FrameScope(this, _pending, _pending.Begin(opcode, requestId));
    }

    /// <summary>Completes at once while pending bytes are under the limit, else when the writer has taken them.</summary>
    public ValueTask WaitForSpaceAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_lock)
        {
            if (_closed)
            {
                return ValueTask.FromException(new IOException("The connection is closed."));
            }

            if (_pending.Length < _limit)
            {
                return default;
            }

            wait = (_space ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        return new ValueTask(wait.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Completes once every frame encoded before the call has been handed to the sink (written to the socket), so it
    /// survives this process dying; fails if the outbox closes first.
    /// </summary>
    public Task WhenWrittenAsync()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return Task.FromException(new IOException("The connection is closed."));
            }

            if (_pending.Length > 0)
            {
                return (_pendingWritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            return _writing
                ? (_batchWritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
                : Task.CompletedTask;
        }
    }

    /// <summary>
    /// Writes pending frames to <paramref name="sink"/> until <see cref="Close"/> (after sending what was pending then)
    /// or until a write fails or takes longer than <paramref name="stallTimeout"/> (the peer is not reading), which
    /// throws <see cref="TimeoutException"/>.
    /// </summary>
    public async Task RunAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                FrameBuilder? batch = null;
                bool closed;
                lock (_lock)
                {
                    closed = _closed;

                    // Decided under the lock: once swapped out, no producer touches the batch any more.
                    if (_pending.Length > 0)
                    {
                        batch = _pending;
                        _pending = _spare!;
                        _spare = null;
                        _writing = true;
                        _batchWritten = _pendingWritten;
                        _pendingWritten = null;
                        ReleaseWaiters();
                    }
                }

                if (batch is null)
                {
                    if (closed)
                    {
                        return;
                    }

                    await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    stall.CancelAfter(stallTimeout);
                    try
                    {
                        await sink(batch.Written, stall.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException($"The peer did not take {batch.Length} bytes within {stallTimeout.TotalSeconds:0.#} s.");
                    }
                }

                batch.Reset();
                TaskCompletionSource? written;
                lock (_lock)
                {
                    _spare = batch;
                    _writing = false;
                    written = _batchWritten;
                    _batchWritten = null;
                }

                written?.TrySetResult();
            }
        }
        finally
        {
            Close();
        }
    }

    /// <summary>No more frames; the writer sends what is pending and stops. Waiters fail.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            var closedError = new IOException("The connection is closed.");
            _space?.TrySetException(closedError);
            _space = null;
            _batchWritten?.TrySetException(closedError);
            _pendingWritten?.TrySetException(closedError);
            _batchWritten = _pendingWritten = null;
        }

        _signal.Set();
    }

    public void Dispose()
    {
        Close();
        lock (_lock)
        {
            _pending.Dispose();
            _spare?.Dispose();
        }
    }

    private void ReleaseWaiters()
    {
        _space?.TrySetResult();
        _space = null;
    }

    private void Sent(bool wasEmpty)
    {
        Monitor.Exit(_lock);
        if (wasEmpty)
        {
            _signal.Set();
        }
    }

    /// <summary>One frame being encoded under the outbox lock. Dispose it to send the frame (or drop it, see <see cref="Abandon"/>).</summary>
    public readonly ref struct FrameScope
    {
        private readonly Outbox _outbox;
        private readonly int _start;

        internal FrameScope(Outbox outbox, FrameBuilder builder, int start)
        {
            _outbox = outbox;
            Builder = builder;
            _start = start;
        }

        /// <summary>Where to write the payload fields.</summary>
        public FrameBuilder Builder { get; }

        /// <summary>The frame's size so far, header included.</summary>
        public readonly int Size => Builder.Length - _start;

        /// <summary>Drops the frame instead of sending it (it turned out too large for the peer).</summary>
        public readonly void Abandon() => Builder.Abandon(_start);

        public readonly void Dispose()
        {
            // An abandoned frame left nothing behind (not even its header); a `using` variable is readonly, so this
            // is read from the builder rather than from a flag the scope would set on a copy of itself.
            if (Builder.Length > _start)
            {
                Builder.End(_start);
            }

            _outbox.Sent(_start == 0 && Builder.Length > 0);
        }
    }
}
