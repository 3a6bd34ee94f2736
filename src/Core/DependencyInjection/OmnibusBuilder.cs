using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Omnibus.DependencyInjection;

/// <summary>
/// Collects named brokers and middleware for dependency injection. Every connection string is checked when it is
/// added (scheme, option names, option values), so a misconfiguration fails at start, not at the first message.
/// </summary>
public sealed class OmnibusBuilder
{
    /// <summary>The name of the broker injected as <see cref="IBroker"/>.</summary>
    public const string DefaultName = "default";

    private readonly Dictionary<string, string> _connections = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HandlerMiddleware> _middleware = [];

    internal IReadOnlyDictionary<string, string> Connections => _connections;

    internal IReadOnlyList<HandlerMiddleware> Middleware => _middleware;

    /// <summary>The registry that resolves the connection strings. Default <see cref="BrokerRegistry.Default"/>.</summary>
    public BrokerRegistry Registry { get; set; } = BrokerRegistry.Default;

    /// <summary>Adds a broker called <paramref name="name"/>.</summary>
    /// <exception cref="OmnibusConfigurationException">The connection string is invalid, or the name is taken.</exception>
    public OmnibusBuilder AddBroker(string name, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Validate(connectionString);
        if (!_connections.TryAdd(name, connectionString))
        {
            throw new OmnibusConfigurationException(name, $"A broker named '{name}' is already registered: allowed is one registration per name.");
        }

        return this;
    }

    /// <summary>Checks names and values of a connection string by creating (without connecting) and discarding its driver.</summary>
    private void Validate(string connectionString)
    {
        var (parsed, factory) = Registry.Resolve(connectionString);
        var driver = factory.Create(parsed, NullLoggerFactory.Instance);
        driver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Adds handler middleware for every broker; the first added is the outermost.</summary>
    public OmnibusBuilder Use(HandlerMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>
    /// Adds the brokers of a configuration section shaped <c>{ "Brokers": { "name": "connection string" } }</c>.
    /// Any other key in the section is an error, so a misspelt setting does not go unnoticed.
    /// </summary>
    public OmnibusBuilder AddConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        foreach (var child in section.GetChildren())
        {
            if (!string.Equals(child.Key, "Brokers", StringComparison.OrdinalIgnoreCase))
            {
                throw new OmnibusConfigurationException(child.Key, $"Setting '{child.Key}' in the Omnibus configuration section is unknown: allowed is 'Brokers' (name to connection string).");
            }

            foreach (var broker in child.GetChildren())
            {
                AddBroker(broker.Key, broker.Value ?? throw new OmnibusConfigurationException(broker.Key, $"Broker '{broker.Key}' has no connection string: allowed is a string such as 'memory://'."));
            }
        }

        return this;
    }
}
