namespace Omnibus.Drivers;

/// <summary>
/// What <see cref="IBroker.Health"/> reports: healthy, or faulted with the failure that stopped the broker.
/// Immutable.
/// </summary>
public sealed record BrokerHealth
{
    private BrokerHealth(Exception? cause) => Cause = cause;

    /// <summary>The broker works.</summary>
    public static BrokerHealth Healthy { get; } = new((Exception?)null);

    /// <summary>True unless a failure stopped the broker.</summary>
    public bool IsHealthy => Cause is null;

    /// <summary>The failure that stopped the broker (its message says what happened), or null when healthy.</summary>
    public Exception? Cause { get; }

    /// <summary>The broker stopped because of <paramref name="cause"/>; publishes and acknowledgements fail until it is reopened.</summary>
    public static BrokerHealth Faulted(Exception cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        return new BrokerHealth(cause);
    }
}
