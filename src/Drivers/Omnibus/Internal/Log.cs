using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>Log events of the omnibus:// driver (its ids: docs/log-events.md). The token is never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(5401, LogLevel.Debug, "Connected to {Server}")]
    public static partial void Connected(ILogger logger, string server);

    [LoggerMessage(5402, LogLevel.Warning, "Connection to {Server} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string server, string reason);

    [LoggerMessage(5405, LogLevel.Warning, "Subscription to topic {Topic} group {Group} ended by the server: {Reason}")]
    public static partial void SubscriptionEnded(ILogger logger, string topic, string group, string reason);

    [LoggerMessage(5406, LogLevel.Debug, "Settling delivery {DeliveryTag} was not sent, the connection closed; the server redelivers it")]
    public static partial void SettleLost(ILogger logger, ulong deliveryTag);
}
