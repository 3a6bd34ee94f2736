using Microsoft.AspNetCore.Connections;

namespace Omnibus.Server.Tcp;

/// <summary>Serves one TCP connection of the omnibus protocol (docs/protocol.md). PLACEHOLDER: replaced by the TCP work.</summary>
internal sealed class TcpConnectionHandler : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => Task.CompletedTask;
}
