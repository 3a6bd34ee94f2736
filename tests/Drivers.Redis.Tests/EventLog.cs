using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>Keeps every log event (id and text) of the brokers it is given to, so a test can check what was logged.</summary>
internal sealed class EventLog : ILoggerFactory, ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<(int Id, string Text)> _events = new();

    public IReadOnlyList<(int Id, string Text)> Events => [.. _events];

    public int Count(int id) => _events.Count(e => e.Id == id);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _events.Enqueue((eventId.Id, formatter(state, exception)));

    public void Dispose()
    {
    }
}
