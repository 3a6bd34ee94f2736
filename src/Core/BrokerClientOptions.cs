using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Omnibus;

/// <summary>How a <see cref="Broker"/> is put together around its driver. Immutable.</summary>
public sealed record BrokerClientOptions
{
    /// <summary>No middleware, no logging, the default registry.</summary>
    public static BrokerClientOptions Default { get; } = new();

    /// <summary>The broker's name in logs and dependency injection. Null: the driver scheme.</summary>
    public string? Name { get; init; }

    /// <summary>Where the core and the driver log. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The registry that resolves connection strings. Default <see cref="BrokerRegistry.Default"/>.</summary>
    public BrokerRegistry? Registry { get; init; }

    /// <summary>
    /// How long a subscription waits before it resubscribes after its consumer was lost (a broker restart, a dropped
    /// connection): one policy for every driver. Null: the connection string's <c>reconnectDelay</c> and
    /// <c>reconnectMaxDelay</c> (500 ms doubling to 30 s).
    /// </summary>
    public RetryBackoff? Reconnect { get; init; }

    /// <summary>Handler middleware, outermost first, applied to every subscription of this broker.</summary>
    public IReadOnlyList<HandlerMiddleware> Middleware { get; init; } = [];
}
