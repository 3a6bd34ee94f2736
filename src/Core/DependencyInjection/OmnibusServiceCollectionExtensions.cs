using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Omnibus.DependencyInjection;

/// <summary>Registers Omnibus brokers in a service collection.</summary>
public static class OmnibusServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IBrokerProvider"/>, and <see cref="IBroker"/> for the broker named
    /// <see cref="OmnibusBuilder.DefaultName"/> when there is one. Connection strings are validated now.
    /// </summary>
    public static IServiceCollection AddOmnibus(this IServiceCollection services, Action<OmnibusBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new OmnibusBuilder();
        configure(builder);
        services.AddSingleton<IBrokerProvider>(sp => new BrokerProvider(builder, sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        if (builder.Connections.ContainsKey(OmnibusBuilder.DefaultName))
        {
            services.AddSingleton(sp => sp.GetRequiredService<IBrokerProvider>().Get());
        }

        return services;
    }

    /// <summary>As <see cref="AddOmnibus(IServiceCollection, Action{OmnibusBuilder})"/>, reading brokers from <paramref name="section"/> first.</summary>
    public static IServiceCollection AddOmnibus(this IServiceCollection services, IConfiguration section, Action<OmnibusBuilder>? configure = null) =>
        services.AddOmnibus(builder =>
        {
            builder.AddConfiguration(section);
            configure?.Invoke(builder);
        });

    private sealed class BrokerProvider : IBrokerProvider, IAsyncDisposable
    {
        private readonly OmnibusBuilder _builder;
        private readonly ILoggerFactory _loggerFactory;
        private readonly Dictionary<string, Lazy<Broker>> _brokers = new(StringComparer.OrdinalIgnoreCase);

        public BrokerProvider(OmnibusBuilder builder, ILoggerFactory loggerFactory)
        {
            _builder = builder;
            _loggerFactory = loggerFactory;
            foreach (var (name, connectionString) in builder.Connections)
            {
                _brokers[name] = new Lazy<Broker>(() => Broker.Connect(connectionString, new BrokerClientOptions
                {
                    Name = name,
                    LoggerFactory = _loggerFactory,
                    Registry = _builder.Registry,
                    Middleware = _builder.Middleware,
                }));
            }
        }

        public IReadOnlyCollection<string> Names => _brokers.Keys;

        public IBroker Get(string name = OmnibusBuilder.DefaultName) =>
            _brokers.TryGetValue(name, out var broker)
                ? broker.Value
                : throw new OmnibusConfigurationException(name, $"No broker is registered as '{name}': registered are {string.Join(", ", _brokers.Keys)}.");

        public async ValueTask DisposeAsync()
        {
            foreach (var broker in _brokers.Values.Where(b => b.IsValueCreated))
            {
                await broker.Value.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
