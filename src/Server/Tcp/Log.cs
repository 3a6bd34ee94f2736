using Microsoft.Extensions.Logging;

namespace Omnibus.Server.Tcp;

/// <summary>Log events of the TCP front end (ids 3000-3099 of the server range, docs/log-events.md). Tokens are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Debug, "TCP connection {ConnectionId} from {Remote} opened")]
    public static partial void Opened(ILogger logger, string connectionId, string remote);

    [LoggerMessage(3001, LogLevel.Debug, "TCP connection {ConnectionId} from {Remote} closed: {Reason}")]
    public static partial void Closed(ILogger logger, string connectionId, string remote, string reason);

    [LoggerMessage(3002, LogLevel.Warning, "TCP connection {ConnectionId} from {Remote} refused: the server serves MaxConnections ({MaxConnections}) already")]
    public static partial void TooManyConnections(ILogger logger, string connectionId, string remote, int maxConnections);

    [LoggerMessage(3003, LogLevel.Warning, "TCP connection {ConnectionId} from {Remote} rejected: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string connectionId, string remote, string reason);

    [LoggerMessage(3004, LogLevel.Warning, "TCP connection {ConnectionId} from {Remote} closed for a protocol error {Code}: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string remote, string code, string reason);

    [LoggerMessage(3005, LogLevel.Warning, "TCP connection {ConnectionId} from {Remote} closed: {Reason}")]
    public static partial void SlowConsumer(ILogger logger, string connectionId, string remote, string reason);

    [LoggerMessage(3006, LogLevel.Information, "TCP connection {ConnectionId} denied {Operation} on topic {Topic}")]
    public static partial void Forbidden(ILogger logger, string connectionId, string operation, string topic);

    [LoggerMessage(3007, LogLevel.Warning, "Subscription {SubscriptionId} of TCP connection {ConnectionId} on topic {Topic} ended by the broker: {Reason}")]
    public static partial void SubscriptionFailed(ILogger logger, uint subscriptionId, string connectionId, string topic, string reason);

    [LoggerMessage(3008, LogLevel.Debug, "Settling delivery {DeliveryTag} of TCP connection {ConnectionId} failed; the broker redelivers it: {Reason}")]
    public static partial void SettleFailed(ILogger logger, ulong deliveryTag, string connectionId, string reason);

    [LoggerMessage(3009, LogLevel.Debug, "TCP connection {ConnectionId} authenticated as client {ClientName}")]
    public static partial void Authenticated(ILogger logger, string connectionId, string clientName);

    [LoggerMessage(3010, LogLevel.Warning, "Counting the attempt of delivery {DeliveryTag} of TCP connection {ConnectionId} failed: {Reason}")]
    public static partial void StartFailed(ILogger logger, ulong deliveryTag, string connectionId, string reason);
}
