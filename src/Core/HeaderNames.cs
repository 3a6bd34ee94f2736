namespace Omnibus;

/// <summary>Header names that Omnibus itself reads or writes. Application headers should avoid the <c>omnibus-</c> prefix.</summary>
public static class HeaderNames
{
    /// <summary>The body's MIME type, on brokers without a native content-type property.</summary>
    public const string ContentType = "content-type";

    /// <summary>W3C trace context parent (<c>00-traceid-spanid-flags</c>).</summary>
    public const string TraceParent = "traceparent";

    /// <summary>W3C trace context vendor state.</summary>
    public const string TraceState = "tracestate";

    /// <summary>On a dead-lettered message: the .NET type name of the last error.</summary>
    public const string ErrorType = "omnibus-error-type";

    /// <summary>On a dead-lettered message: the last error's message.</summary>
    public const string ErrorMessage = "omnibus-error-message";

    /// <summary>On a dead-lettered message: how many deliveries were attempted.</summary>
    public const string DeliveryAttempts = "omnibus-delivery-attempts";

    /// <summary>On a dead-lettered message: the topic it came from.</summary>
    public const string OriginalTopic = "omnibus-original-topic";

    /// <summary>On a dead-lettered message: the consumer group whose handler failed.</summary>
    public const string OriginalGroup = "omnibus-original-group";

    /// <summary>On a dead-lettered message: when it was dead-lettered (ISO 8601, UTC).</summary>
    public const string DeadLetteredAt = "omnibus-dead-lettered-at";

    /// <summary>
    /// Set to <c>true</c> on a published message to make it the topic's retained message: a broker that keeps
    /// one (the embedded broker) hands it to every new group, even one starting from Latest.
    /// </summary>
    public const string Retain = "omnibus-retain";

    /// <summary>
    /// <see cref="Message.IdempotencyId"/>, carried as a header by a broker that does not deduplicate publishes itself
    /// (<see cref="BrokerFeatures.ExactlyOnce"/> false), so that the idempotent-consumer middleware drops the duplicates.
    /// </summary>
    public const string IdempotencyId = "omnibus-idempotency-id";

    /// <summary>Carried by drivers that must record the attempt count in the message itself.</summary>
    public const string DeliveryAttempt = "omnibus-delivery-attempt";
}
