using Microsoft.Extensions.Logging;

namespace Omnibus.Embedded.Tests.Storage;

/// <summary>Keeps every log entry so tests can assert what was reported; also its own provider, for a logger factory.</summary>
internal sealed class CapturingLogger : ILogger, ILoggerProvider
{
    private readonly List<(LogLevel Level, EventId EventId, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}
