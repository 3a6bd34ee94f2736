using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Omnibus.Protocol;

namespace Omnibus.Server.Tcp;

/// <summary>
/// Serves the omnibus TCP protocol (docs/protocol.md) on the connections Kestrel accepts: enforces
/// <see cref="OmnibusServerOptions.MaxConnections"/>, then runs one <see cref="TcpSession"/> per connection.
/// </summary>
internal sealed class TcpConnectionHandler : ConnectionHandler
{
    private readonly Broker _broker;
    private readonly OmnibusServerOptions _options;
    private readonly ServerStats _stats;
    private readonly ILogger _logger;

    public TcpConnectionHandler(Broker broker, OmnibusServerOptions options, ServerStats stats, ILoggerFactory loggerFactory)
    {
        _broker = broker;
        _options = options;
        _stats = stats;
        _logger = loggerFactory.CreateLogger<TcpConnectionHandler>();
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        _stats.Connected();
        try
        {
            using var session = new TcpSession(connection, _broker, _options, _stats, _logger);
            if (_stats.Connections > _options.MaxConnections)
            {
                _stats.Reject();
                Log.TooManyConnections(_logger, connection.ConnectionId, session.Remote, _options.MaxConnections);
                await session.RefuseAsync(ErrorCode.TooManyConnections, $"The server already serves its MaxConnections ({_options.MaxConnections}) connections; try again later.").ConfigureAwait(false);
                return;
            }

            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _stats.Disconnected();
        }
    }
}
