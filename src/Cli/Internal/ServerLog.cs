using Microsoft.Extensions.Logging;

namespace Omnibus.Cli.Internal;

/// <summary>Log events of <c>omnibus server</c> (its ids: docs/log-events.md).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(6001, LogLevel.Information, "Engine open at {DataDirectory}: {Topics} topics")]
    public static partial void EngineOpen(ILogger logger, string dataDirectory, int topics);

    // The token's name and permissions only: the secret itself never reaches a log.
    [LoggerMessage(6002, LogLevel.Information, "Token {Name}: publish {Publish}, subscribe {Subscribe}")]
    public static partial void TokenAccepted(ILogger logger, string name, string publish, string subscribe);

    [LoggerMessage(6003, LogLevel.Information, "Stopping: closing connections, then the engine")]
    public static partial void Stopping(ILogger logger);
}
