namespace Omnibus.Drivers;

/// <summary>
/// One delivery of a message to a consumer, and the means to settle it. Settling happens once: the first
/// <see cref="AckAsync"/>, <see cref="NackAsync"/> or <see cref="ReleaseAsync"/> calls the driver's hook, every later
/// call does nothing. Drivers derive from it and implement the hooks; the core decides which one runs. Thread-safe.
/// </summary>
public abstract class Delivery
{
    private int _settled;
    private int _started;

    /// <summary>Creates a delivery of <paramref name="message"/>.</summary>
    protected Delivery(Message message) => Message = message;

    /// <summary>The delivered message, with its topic and 1-based delivery attempt.</summary>
    public Message Message { get; }

    /// <summary>
    /// When the message's time to live runs out, or null. A <see cref="DeliveryBuffer"/> or <see cref="DeliveryTracker"/>
    /// never hands out an expired delivery: it settles it through <see cref="OnExpiredAsync"/> instead.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whether it has been settled (acknowledged, rejected, released or expired).</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>The message was handled: the broker must not deliver it to this group again.</summary>
    public ValueTask AckAsync(CancellationToken cancellationToken = default) => TrySettle() ? OnAckAsync(cancellationToken) : default;

    /// <summary>
    /// The message was not handled: the broker delivers it again, to any consumer of the group, no earlier than
    /// <paramref name="redeliverAfter"/> from now, with the delivery attempt increased.
    /// </summary>
    public ValueTask NackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken = default) =>
        TrySettle() ? OnNackAsync(redeliverAfter, cancellationToken) : default;

    /// <summary>Its consumer went away before handling it: hand it back to the group's other consumers at once.</summary>
    public ValueTask ReleaseAsync() => TrySettle() ? OnReleaseAsync() : default;

    /// <summary>
    /// The core is about to run a handler on it: a driver that counts delivery attempts where handlers run, rather than
    /// where messages are handed out, records the attempt here, before any handler code can end the process. Runs the
    /// driver's hook once; never for a settled delivery, nor for one dead-lettered without running.
    /// </summary>
    public ValueTask StartingAsync() => Interlocked.Exchange(ref _started, 1) == 0 && !IsSettled ? OnStartingAsync() : default;

    /// <summary>Whether its time to live has run out at <paramref name="now"/>.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } expiry && expiry <= now;

    /// <summary>Settles an expired delivery without handing it to a handler.</summary>
    internal ValueTask ExpireAsync() => TrySettle() ? OnExpiredAsync() : default;

    /// <summary>The driver's acknowledgement; called at most once, and never after another hook.</summary>
    protected abstract ValueTask OnAckAsync(CancellationToken cancellationToken);

    /// <summary>The driver's rejection with a redelivery delay; called at most once, and never after another hook.</summary>
    protected abstract ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken);

    /// <summary>A handler is about to run on it (see <see cref="StartingAsync"/>). Default: nothing.</summary>
    protected virtual ValueTask OnStartingAsync() => default;

    /// <summary>Hands the message back (its consumer closed). Default: a rejection with no delay.</summary>
    protected virtual ValueTask OnReleaseAsync() => OnNackAsync(TimeSpan.Zero, CancellationToken.None);

    /// <summary>Drops an expired message. Default: an acknowledgement, so the broker forgets it.</summary>
    protected virtual ValueTask OnExpiredAsync() => OnAckAsync(CancellationToken.None);

    // Links of the tracker that holds it while unsettled (an intrusive list: O(1) add and remove, no hashing on the
    // hot path). Guarded by the tracker's lock.
    internal DeliveryTracker? Tracker;
    internal Delivery? TrackedPrevious;
    internal Delivery? TrackedNext;

    private bool TrySettle()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 1)
        {
            return false;
        }

        Volatile.Read(ref Tracker)?.Untrack(this);
        return true;
    }
}
