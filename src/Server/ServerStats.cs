namespace Omnibus.Server;

/// <summary>Counters the TCP and HTTP front ends share (connections, frames, rejections); read by the metrics endpoint.</summary>
internal sealed class ServerStats
{
    private long _connections;
    private long _connectionsTotal;
    private long _rejected;
    private long _framesReceived;
    private long _protocolErrors;
    private long _slowConsumers;

    /// <summary>TCP connections open now.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>TCP connections accepted since start.</summary>
    public long ConnectionsTotal => Interlocked.Read(ref _connectionsTotal);

    /// <summary>Connections or requests refused (bad token, permission, limits, malformed frames) since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>TCP frames received since start.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>TCP connections closed for breaking the protocol (malformed frame, bad length, unknown opcode) since start.</summary>
    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);

    /// <summary>TCP connections closed because the client did not read what it was sent, since start.</summary>
    public long SlowConsumers => Interlocked.Read(ref _slowConsumers);

    public void FrameReceived() => Interlocked.Increment(ref _framesReceived);

    public void ProtocolError() => Interlocked.Increment(ref _protocolErrors);

    public void SlowConsumer() => Interlocked.Increment(ref _slowConsumers);

    public void Connected()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _connectionsTotal);
    }

    public void Disconnected() => Interlocked.Decrement(ref _connections);

    public void Reject() => Interlocked.Increment(ref _rejected);
}
