namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// Timeout tokens shared by the publishes that start within one second: each is cancelled between the timeout and the
/// timeout plus one second after its publish started. A linked token source with its own timer per publish was a
/// measurable share of a publish's cost (the timer queue's lock, two allocations, the client's wait wrapper). Thread-safe.
/// </summary>
internal sealed class PublishTimeout
{
    private static readonly TimeSpan Granularity = TimeSpan.FromSeconds(1);
    private Slot? _slot;

    public CancellationToken Token(TimeSpan timeout)
    {
        var now = Environment.TickCount64;
        var slot = Volatile.Read(ref _slot);
        if (slot is null || now >= slot.NewPublishesUntil)
        {
            // Never disposed: once its timer fired nothing references it, and racing threads may each make one.
            slot = new Slot(new CancellationTokenSource(timeout + Granularity), now + (long)Granularity.TotalMilliseconds);
            Volatile.Write(ref _slot, slot);
        }

        return slot.Source.Token;
    }

    private sealed record Slot(CancellationTokenSource Source, long NewPublishesUntil);
}
