using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers;

/// <summary>
/// Creates drivers for one or more connection-string schemes. A driver package exposes one and announces it
/// with <see cref="OmnibusDriverAttribute"/>, so <see cref="BrokerRegistry.Default"/> finds it.
/// </summary>
public interface IBrokerDriverFactory
{
    /// <summary>The schemes it serves, lower case, e.g. <c>amqp</c> and <c>amqps</c>.</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>Every connection-string option the driver understands, with type, default and allowed values.</summary>
    DriverOptionTable Options { get; }

    /// <summary>
    /// Creates a driver without connecting. Every option name and value was already checked against
    /// <see cref="Options"/>; throws <see cref="OmnibusConfigurationException"/> for a combination it cannot honour
    /// (e.g. a TLS option on a plaintext connection).
    /// </summary>
    IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory);
}

/// <summary>Announces a driver factory in a driver assembly: <c>[assembly: OmnibusDriver(typeof(MyFactory))]</c>.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OmnibusDriverAttribute : Attribute
{
    /// <summary>Announces <paramref name="factoryType"/>, which needs a public parameterless constructor.</summary>
    public OmnibusDriverAttribute(Type factoryType) => FactoryType = factoryType;

    /// <summary>The factory type.</summary>
    public Type FactoryType { get; }
}
