using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// One <see cref="Broker"/> per distinct connection string, shared by every trigger and output of a host, and
/// closed (draining its subscriptions) when the host's services are disposed. Creating a broker does no I/O,
/// so <see cref="Get"/> is cheap and fails only on an invalid connection string. Thread-safe.
/// </summary>
internal sealed class BrokerConnectionCache : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Broker>> _brokers = new(StringComparer.Ordinal);
    private readonly BrokerRegistry _registry;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IReadOnlyList<HandlerMiddleware> _middleware;
    private int _disposed;

    public BrokerConnectionCache(BrokerRegistry registry, ILoggerFactory loggerFactory, IReadOnlyList<HandlerMiddleware>? middleware = null)
    {
        _registry = registry;
        _loggerFactory = loggerFactory;
        _middleware = middleware ?? [];
    }

    /// <summary>The registry that resolves connection strings.</summary>
    public BrokerRegistry Registry => _registry;

    /// <summary>The broker for <paramref name="connectionString"/>, created on first use.</summary>
    /// <exception cref="OmnibusConfigurationException">The connection string is invalid.</exception>
    public Broker Get(string connectionString)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var lazy = _brokers.GetOrAdd(connectionString, cs => new Lazy<Broker>(() => Broker.Connect(cs, new BrokerClientOptions
        {
            LoggerFactory = _loggerFactory,
            Registry = _registry,
            Middleware = _middleware,
        })));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // Do not cache the failure: the connection string is reported again on the next use.
            _brokers.TryRemove(new KeyValuePair<string, Lazy<Broker>>(connectionString, lazy));
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var created = _brokers.Values.Where(b => b.IsValueCreated).Select(b => b.Value).ToArray();
        _brokers.Clear();
        await Task.WhenAll(created.Select(b => b.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
