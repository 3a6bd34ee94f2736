using System.Collections.Concurrent;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus.Conformance;

namespace Omnibus.Bindings.Tests;

/// <summary>
/// A real WebJobs host (HostBuilder + ConfigureWebJobs + AddOmnibus) over its own <c>memory://&lt;unique&gt;</c>
/// broker, indexing only the given function classes. The test reaches the same broker through <see cref="Broker"/>
/// to publish and to watch output topics.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TestHost(IHost host, string connectionString, Probe probe, LogSink logs)
    {
        Host = host;
        ConnectionString = connectionString;
        Probe = probe;
        Logs = logs;
        Broker = Omnibus.Broker.Connect(connectionString);
    }

    public IHost Host { get; }

    public string ConnectionString { get; }

    /// <summary>What the functions of this host recorded.</summary>
    public Probe Probe { get; }

    public LogSink Logs { get; }

    /// <summary>A client of the host's broker, for the test.</summary>
    public Broker Broker { get; }

    public static string NewConnection() => "memory://bt-" + Guid.NewGuid().ToString("N");

    /// <summary>Builds the host; <paramref name="start"/> false leaves starting (and its failure) to the test.</summary>
    public static async Task<TestHost> StartAsync(
        Type[] functions,
        IDictionary<string, string?>? settings = null,
        Action<BrokerOptions>? options = null,
        Action<IWebJobsBuilder>? webJobs = null,
        string? connectionString = null,
        bool addOmnibus = true,
        bool start = true)
    {
        connectionString ??= NewConnection();
        var probe = new Probe();
        var logs = new LogSink();
        var config = new Dictionary<string, string?>
        {
            ["OmnibusConnection"] = connectionString,
            // Tests redeliver at once unless they say otherwise.
            ["AzureWebJobs:extensions:broker:backoffInitial"] = "00:00:00",
            ["AzureWebJobs:extensions:broker:backoffMax"] = "00:00:00",
            ["AzureWebJobs:extensions:broker:drainTimeout"] = "00:00:10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(config))
            .ConfigureWebJobs(b =>
            {
                if (addOmnibus)
                {
                    b.AddOmnibus(options);
                }

                b.AddExecutionContextBinding();
                webJobs?.Invoke(b);
            })
            .ConfigureLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .ConfigureServices(s =>
            {
                s.AddSingleton(probe);
                s.AddSingleton<ITypeLocator>(new FixedTypeLocator(functions));
            })
            .Build();
        var testHost = new TestHost(host, connectionString, probe, logs);
        if (start)
        {
            await host.StartAsync();
        }

        return testHost;
    }

    public ValueTask PublishAsync(string topic, Message message) => Broker.PublishAsync(topic, message);

    public ValueTask PublishAsync(string topic, string body, string? key = null) => Broker.PublishAsync(topic, Message.From(body, key));

    /// <summary>Records every message of <paramref name="topic"/> (as its own group, from the earliest).</summary>
    public async Task<Recorder<Message>> WatchAsync(string topic)
    {
        var recorder = new Recorder<Message>();
        await Broker.SubscribeAsync(new SubscriptionOptions(topic, "watch-" + Guid.NewGuid().ToString("N")), (m, _) =>
        {
            recorder.Add(m);
            return default;
        });
        return recorder;
    }

    /// <summary>Messages of <paramref name="topic"/> that <paramref name="group"/> has not acknowledged.</summary>
    public async Task<long> BacklogAsync(string topic, string group) =>
        await Broker.Backlog!.GetBacklogAsync(topic, group, CancellationToken.None) ?? -1;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested)
            {
                await Host.StopAsync();
            }
        }
        finally
        {
            Host.Dispose();
            await Broker.DisposeAsync();
        }
    }

    private sealed class FixedTypeLocator(Type[] types) : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => types;
    }
}

/// <summary>Per-host recorders that the functions (constructed by the host's DI) write to.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, object> _recorders = new();

    public Recorder<T> Get<T>(string name) => (Recorder<T>)_recorders.GetOrAdd(name, _ => new Recorder<T>());

    public Recorder<string> this[string name] => Get<string>(name);

    /// <summary>Shared state a function may need (gates, counters), by name.</summary>
    public ConcurrentDictionary<string, object> State { get; } = new();
}

/// <summary>Captures log events so tests can wait for them.</summary>
public sealed class LogSink : ILoggerProvider
{
    public Recorder<(string Category, LogLevel Level, EventId Id, string Text, Exception? Error)> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Omnibus", StringComparison.Ordinal) || logLevel >= LogLevel.Warning || category.Contains("Startup", StringComparison.Ordinal) || category.EndsWith("OptionsLoggingService", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Events.Add((category, logLevel, eventId, formatter(state, exception) ?? string.Empty, exception));
            }
        }
    }
}
