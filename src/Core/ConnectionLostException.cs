namespace Omnibus;

/// <summary>
/// A driver lost its connection to the broker (or the broker closed a consumer). Delivery sources end with it; the
/// core's subscription runner then resubscribes with backoff, so a subscription survives a broker restart.
/// </summary>
public sealed class ConnectionLostException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionLostException(string driver, string message, Exception? innerException = null)
        : base(message, innerException) => Driver = driver;

    /// <summary>The driver's scheme, e.g. <c>amqp</c>.</summary>
    public string Driver { get; }
}
