namespace Omnibus;

/// <summary>
/// The reason recorded on a message dead-lettered without running its handler: it arrived for an attempt beyond
/// <see cref="SubscriptionOptions.MaxDeliveryAttempts"/>, so every attempt it was allowed ended without a result. That
/// happens when the handler's process died while handling it (a crash, a kill, an out-of-memory), or its consumer's
/// connection was lost each time: the broker counted the deliveries, but no handler ever reported a failure.
/// </summary>
public sealed class DeliveryAttemptsExhaustedException : OmnibusException
{
    /// <summary>Creates the exception for message <paramref name="messageId"/>, delivered for attempt <paramref name="attempt"/>.</summary>
    public DeliveryAttemptsExhaustedException(string messageId, int attempt, int maxAttempts)
        : base($"Delivery attempts exhausted: message {messageId} arrived for attempt {attempt} of at most {maxAttempts}; " +
               $"the previous {attempt - 1} ended without a result (its consumer crashed, was killed or lost its connection while handling it).")
    {
        MessageId = messageId;
        Attempt = attempt;
        MaxAttempts = maxAttempts;
    }

    /// <summary>The id of the message.</summary>
    public string MessageId { get; }

    /// <summary>The attempt it arrived for (more than <see cref="MaxAttempts"/>).</summary>
    public int Attempt { get; }

    /// <summary>The subscription's <see cref="SubscriptionOptions.MaxDeliveryAttempts"/>.</summary>
    public int MaxAttempts { get; }
}
