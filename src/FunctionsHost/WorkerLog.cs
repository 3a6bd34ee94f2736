using Microsoft.Extensions.Logging;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>The local host's log events (ids 7000-7099, docs/log-events.md).</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "worker: {Line}")]
    public static partial void Output(ILogger logger, string line);

    [LoggerMessage(EventId = 7001, Message = "{Category}: {Text}")]
    public static partial void Function(ILogger logger, LogLevel level, string category, string text);

    public static void Rpc(ILogger logger, RpcLog log) =>
        Function(logger, log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        }, log.Category, log.Message);
}
