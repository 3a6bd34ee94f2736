using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Omnibus.Cli.Internal;

/// <summary>One-line console logs on standard error, so that standard output carries only what a command prints.</summary>
internal static class CliLogging
{
    /// <summary>A logger factory writing at <paramref name="minimum"/> and above.</summary>
    public static ILoggerFactory Create(LogLevel minimum) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(minimum)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = false;
            options.ColorBehavior = Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
}
