using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Omnibus.Cli.Internal;

/// <summary>One-line console logs on standard error, so that standard output carries only what a command prints.</summary>
internal static class CliLogging
{
    /// <summary>
    /// A logger factory writing at <paramref name="minimum"/> and above; with <paramref name="quietFramework"/>, ASP.NET Core
    /// and hosting log warnings only (the server prints its own addresses, and Kestrel would call the TCP port http), and
    /// the host does not log a failed start, which the command reports itself.
    /// </summary>
    public static ILoggerFactory Create(LogLevel minimum, bool quietFramework = false) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(minimum)
        .AddFilter("Microsoft", quietFramework ? LogLevel.Warning : minimum)
        .AddFilter("Microsoft.Extensions.Hosting", quietFramework ? LogLevel.Critical : minimum) // a failed start is reported by the command, without the host's stack trace
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = false;
            options.ColorBehavior = Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
}
