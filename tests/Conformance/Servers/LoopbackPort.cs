using System.Net;
using System.Net.Sockets;

namespace Omnibus.Conformance.Servers;

/// <summary>Ports for the servers the tests start on 127.0.0.1.</summary>
public static class LoopbackPort
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
