namespace Omnibus.Server;

/// <summary>Counters the TCP and HTTP front ends share (connections, frames, rejections); read by the metrics endpoint.</summary>
internal sealed class ServerStats
{
    private long _connections;
    private long _connectionsTotal;
    private long _rejected;

    /// <summary>TCP connections open now.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>TCP connections accepted since start.</summary>
    public long ConnectionsTotal => Interlocked.Read(ref _connectionsTotal);

    /// <summary>Connections or requests refused (bad token, permission, limits, malformed frames) since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public void Connected()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _connectionsTotal);
    }

    public void Disconnected() => Interlocked.Decrement(ref _connections);

    public void Reject() => Interlocked.Increment(ref _rejected);
}
