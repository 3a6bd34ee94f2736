namespace Omnibus.Drivers;

/// <summary>
/// Optional driver capability: whether the broker behind the driver can still do its work, and if not, why. A
/// health endpoint (the server's <c>/health</c>) reads it; a driver that cannot tell does not implement it, and
/// callers treat it as healthy. Implementations are thread-safe, cheap (no I/O) and never throw.
/// </summary>
public interface IBrokerHealth
{
    /// <summary>The broker's health now.</summary>
    BrokerHealth Health { get; }
}
