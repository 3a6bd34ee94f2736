namespace Omnibus;

/// <summary>A running subscription. Thread-safe; closing is idempotent and may be called concurrently.</summary>
public interface ISubscription : IAsyncDisposable
{
    /// <summary>What this subscription consumes and how.</summary>
    SubscriptionOptions Options { get; }

    /// <summary>Completes when the subscription has stopped; faults if it stopped because of an error.</summary>
    Task Completion { get; }

    /// <summary>
    /// Stops taking messages, cancels the token of in-flight handlers, waits up to
    /// <see cref="SubscriptionOptions.DrainTimeout"/> for them, acknowledges those that succeeded and leaves the
    /// rest to redelivery. Nothing is handled by this subscription afterwards.
    /// </summary>
    ValueTask CloseAsync();
}
