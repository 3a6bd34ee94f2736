using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Omnibus.Triggers.Internal;

namespace Omnibus.Bindings.Internal;

/// <summary>
/// Creates the collector of each <see cref="BrokerAttribute"/> binding per invocation (the attribute arrives with its
/// expressions resolved), and checks at indexing what can be checked before any invocation. Thread-safe.
/// </summary>
internal sealed class BrokerCollectorFactory
{
    private readonly ConnectionResolver _connections;
    private readonly BrokerConnectionCache _cache;
    private readonly ConcurrentDictionary<string, string> _resolved = new(StringComparer.Ordinal);

    public BrokerCollectorFactory(IConfiguration configuration, string defaultConnection, BrokerConnectionCache cache)
    {
        _connections = new ConnectionResolver(configuration, defaultConnection);
        _cache = cache;
    }

    public BrokerAsyncCollector Create(BrokerAttribute attribute)
    {
        var connectionString = _resolved.GetOrAdd(attribute.Connection ?? string.Empty, name => _connections.Resolve(name.Length == 0 ? null : name));
        var broker = _cache.Get(connectionString);
        var headers = ParseHeaders(attribute.Headers);
        if (attribute.CorrelationId is { Length: > 0 } correlationId)
        {
            headers = [.. headers, new(BrokerAttribute.CorrelationIdHeader, correlationId)];
        }

        return new BrokerAsyncCollector(broker, broker.Scheme, attribute.Topic, string.IsNullOrEmpty(attribute.Key) ? null : attribute.Key, headers);
    }

    /// <summary>At indexing: the parts of the attribute that hold no binding expression are checked now.</summary>
    public void Validate(BrokerAttribute attribute, Type parameterType)
    {
        try
        {
            if (!HasExpression(attribute.Topic))
            {
                TopicName.Validate(attribute.Topic, nameof(attribute.Topic));
            }

            if (!HasExpression(attribute.Connection))
            {
                _cache.Get(_connections.Resolve(attribute.Connection));
            }

            ParseHeaders(HasExpression(attribute.Headers) ? null : attribute.Headers);
        }
        catch (OmnibusConfigurationException e)
        {
            throw new OmnibusConfigurationException(e.Setting, $"[Broker] output of type {parameterType.Name} is invalid: {e.Message}", e);
        }
    }

    private static bool HasExpression(string? value) => value is not null && value.IndexOfAny(['{', '%']) >= 0;

    private static KeyValuePair<string, string>[] ParseHeaders(string? headers)
    {
        if (string.IsNullOrWhiteSpace(headers))
        {
            return [];
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in headers.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new OmnibusConfigurationException(nameof(BrokerAttribute.Headers), $"Headers = '{headers}' is invalid: allowed is 'name=value' pairs separated by ';', e.g. 'source=orders;order={{OrderId}}'.");
            }

            pairs.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
        }

        return [.. pairs];
    }
}
