using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Memory;
using Xunit;

namespace Omnibus.Tests;

public sealed class SecretLoggingTests
{
    [Fact]
    public async Task Connect_WithPassword_LogsTheConnectionWithoutIt()
    {
        var lines = new ConcurrentQueue<string>();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ListProvider(lines)).SetMinimumLevel(LogLevel.Trace));
        var registry = new BrokerRegistry().Register(new CredentialedFactory());
        await using var broker = Broker.Connect("secure://alice:hunter2@host:1/x?mode=a", new BrokerClientOptions { Registry = registry, LoggerFactory = loggerFactory });
        Assert.Contains(lines, l => l.Contains("secure://alice:***@host:1/x?mode=a", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_WithSecretOptions_LogsTheirNamesButNotTheirValues()
    {
        var lines = new ConcurrentQueue<string>();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ListProvider(lines)).SetMinimumLevel(LogLevel.Trace));
        var registry = new BrokerRegistry().Register(new CredentialedFactory());
        await using var broker = Broker.Connect("secure://host:1/x?token=t0k3n&saslPassword=pa55&mode=a", new BrokerClientOptions { Registry = registry, LoggerFactory = loggerFactory });
        Assert.Contains(lines, l => l.Contains("secure://host:1/x?token=***&saslPassword=***&mode=a", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("t0k3n", StringComparison.Ordinal) || l.Contains("pa55", StringComparison.Ordinal));
        var error = Assert.Throws<OmnibusConfigurationException>(() => ConnectionString.Parse("not a url?token=t0k3n"));
        Assert.DoesNotContain("t0k3n", error.Message, StringComparison.Ordinal);
    }

    private sealed class CredentialedFactory : IBrokerDriverFactory
    {
        public IReadOnlyList<string> Schemes { get; } = ["secure"];

        public DriverOptionTable Options { get; } = new(
            "secure",
            DriverOption.Choice("mode", "a", "A mode", "a", "b"),
            DriverOption.Secret("token", "A token"),
            DriverOption.Secret("saslPassword", "A password"));

        public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory) =>
            new MemoryDriverFactory().Create(ConnectionString.Parse("memory://"), loggerFactory);
    }

    private sealed class ListProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (_, value) in values)
                {
                    lines.Enqueue(value?.ToString() ?? string.Empty);
                }
            }
        }
    }
}
