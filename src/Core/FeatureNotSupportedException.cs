namespace Omnibus;

/// <summary>
/// Something was asked of a driver that its broker cannot do (see <see cref="BrokerFeatures"/>), e.g. a delayed
/// message on a driver without delayed delivery, or peeking a broker that cannot be inspected. Raised at the call
/// that asks, never silently ignored.
/// </summary>
public sealed class FeatureNotSupportedException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public FeatureNotSupportedException(string driver, string feature, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Driver = driver;
        Feature = feature;
    }

    /// <summary>The driver's scheme, e.g. <c>kafka</c>.</summary>
    public string Driver { get; }

    /// <summary>What was asked for, e.g. <c>DeliverAfter</c>.</summary>
    public string Feature { get; }

    /// <summary>The exception for <paramref name="feature"/> on <paramref name="driver"/>, with a sentence saying what to do instead.</summary>
    public static FeatureNotSupportedException For(string driver, string feature, string instead) =>
        new(driver, feature, $"{feature} is not supported by the {driver}:// driver: {instead}");
}
