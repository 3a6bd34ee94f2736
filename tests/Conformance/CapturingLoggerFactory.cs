using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Omnibus.Conformance;

/// <summary>
/// Keeps every formatted log message as "event-id message", so a test can check what was (and was not) logged. Shared
/// by the test projects that check logs. Thread-safe.
/// </summary>
public sealed class CapturingLoggerFactory : ILoggerFactory, ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => [.. _messages];

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _messages.Enqueue($"{eventId.Id} {formatter(state, exception)}");

    public void Dispose()
    {
    }
}
