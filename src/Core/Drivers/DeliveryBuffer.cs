using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Omnibus.Drivers;

/// <summary>
/// A consumer's bounded buffer between the driver's I/O (which writes what the broker pushed or the driver fetched)
/// and the subscription's readers. It drops expired messages on read, tracks what it handed out until settled, and
/// on dispose releases both what is still buffered and what is unsettled, then runs the driver's close hook.
/// <see cref="Fail"/> reports a lost connection: readers then get a <see cref="ConnectionLostException"/> and the core
/// resubscribes. Thread-safe: any number of writers and readers.
/// </summary>
public sealed class DeliveryBuffer : IDeliverySource
{
    private readonly Channel<Delivery> _channel;
    private readonly DeliveryTracker _tracker = new();
    private readonly Func<ValueTask>? _onClosed;
    private int _disposed;

    /// <summary>Creates a buffer holding at most <paramref name="capacity"/> deliveries not yet read.</summary>
    /// <param name="capacity">The bound; a writer waits (<see cref="WriteAsync"/>) or is refused (<see cref="TryWrite"/>) above it.</param>
    /// <param name="onClosed">Runs once when the buffer is disposed, after every delivery was released (e.g. cancel the broker consumer).</param>
    public DeliveryBuffer(int capacity, Func<ValueTask>? onClosed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        _onClosed = onClosed;
    }

    /// <summary>Deliveries waiting to be read.</summary>
    public int Buffered => _channel.Reader.CanCount ? _channel.Reader.Count : 0;

    /// <summary>Deliveries read and not yet settled.</summary>
    public int Unsettled => _tracker.Count;

    /// <summary>Whether the buffer was disposed or failed.</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) == 1 || _channel.Reader.Completion.IsCompleted;

    /// <summary>Adds a delivery if there is room now. A closed buffer releases it and returns true (it was dealt with).</summary>
    public bool TryWrite(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (_channel.Writer.TryWrite(delivery))
        {
            return true;
        }

        if (IsClosed)
        {
            _ = delivery.ReleaseAsync();
            return true;
        }

        return false;
    }

    /// <summary>Adds a delivery, waiting for room. A closed buffer releases it instead.</summary>
    public async ValueTask WriteAsync(Delivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        try
        {
            await _channel.Writer.WriteAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await delivery.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The connection behind this consumer is gone: what is buffered is released (its acknowledgements could not reach
    /// the broker any more), and readers get a <see cref="ConnectionLostException"/> with <paramref name="cause"/>.
    /// </summary>
    public void Fail(ConnectionLostException cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        if (_channel.Writer.TryComplete(cause))
        {
            ReleaseBuffered();
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery)
    {
        var now = DateTimeOffset.UtcNow;
        while (_channel.Reader.TryRead(out var next))
        {
            if (_tracker.TryTrack(next, now))
            {
                delivery = next;
                return true;
            }
        }

        delivery = null;
        return false;
    }

    /// <summary>Releases what is buffered and unsettled, then runs the close hook. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _channel.Writer.TryComplete();
        ReleaseBuffered();
        await _tracker.CloseAsync().ConfigureAwait(false);
        if (_onClosed is not null)
        {
            await _onClosed().ConfigureAwait(false);
        }
    }

    private void ReleaseBuffered()
    {
        while (_channel.Reader.TryRead(out var left))
        {
            _ = left.ReleaseAsync();
        }
    }
}
