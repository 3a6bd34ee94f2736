using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Drivers;
using Omnibus.Internal;
using Omnibus.Memory;

namespace Omnibus;

/// <summary>
/// Maps connection-string schemes to driver factories. <see cref="Default"/> knows <c>memory://</c> and every
/// driver assembly that announces itself with <see cref="OmnibusDriverAttribute"/>, whether already loaded or
/// lying beside the application (any <c>Omnibus.*.dll</c> whose metadata carries the attribute). Thread-safe.
/// </summary>
public sealed class BrokerRegistry
{
    /// <summary>
    /// Schemes Omnibus has drivers for, with the package that brings each: only for the error that tells a user which
    /// package to add. Discovery does not use it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> KnownSchemes = new Dictionary<string, string>
    {
        ["memory"] = "Omnibus.Core",
        ["embedded"] = "Omnibus.Embedded",
        ["omnibus"] = "Omnibus.Drivers.Omnibus",
        ["kafka"] = "Omnibus.Drivers.Kafka",
        ["amqp"] = "Omnibus.Drivers.RabbitMQ",
        ["amqps"] = "Omnibus.Drivers.RabbitMQ",
        ["nats"] = "Omnibus.Drivers.Nats",
        ["redis"] = "Omnibus.Drivers.Redis",
        ["rediss"] = "Omnibus.Drivers.Redis",
        ["sqs"] = "Omnibus.Drivers.Sqs",
        ["pubsub"] = "Omnibus.Drivers.PubSub",
    };

    private static readonly Lazy<BrokerRegistry> DefaultInstance = new(CreateDefault);
    private readonly ConcurrentDictionary<string, IBrokerDriverFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The process-wide registry, filled by discovery on first use.</summary>
    public static BrokerRegistry Default => DefaultInstance.Value;

    /// <summary>The registered schemes.</summary>
    public IReadOnlyCollection<string> Schemes => _factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers <paramref name="factory"/> for each of its schemes, replacing earlier registrations.</summary>
    public BrokerRegistry Register(IBrokerDriverFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        foreach (var scheme in factory.Schemes)
        {
            _factories[scheme] = factory;
        }

        return this;
    }

    /// <summary>Registers every factory announced by <paramref name="assembly"/>.</summary>
    public BrokerRegistry Register(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var attribute in assembly.GetCustomAttributes<OmnibusDriverAttribute>())
        {
            Register((IBrokerDriverFactory)Activator.CreateInstance(attribute.FactoryType)!);
        }

        return this;
    }

    /// <summary>
    /// Parses <paramref name="connectionString"/> and checks its scheme and option names without creating anything.
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">Unknown scheme, or an option the driver does not support; the message lists what is accepted.</exception>
    public (ConnectionString Parsed, IBrokerDriverFactory Factory) Resolve(string connectionString)
    {
        var parsed = ConnectionString.Parse(connectionString);
        if (!_factories.TryGetValue(parsed.Scheme, out var factory))
        {
            var registered = string.Join(", ", Schemes.Select(s => s + "://"));
            var hint = KnownSchemes.TryGetValue(parsed.Scheme, out var package)
                ? $"The '{parsed.Scheme}' driver is in the {package} package: reference it from the application."
                : $"Omnibus has drivers for {string.Join(", ", KnownSchemes.Keys.Select(s => s + "://"))}.";
            throw new OmnibusConfigurationException("scheme", $"No driver is registered for scheme '{parsed.Scheme}' (connection string '{parsed}'). Registered: {registered}. {hint}");
        }

        factory.Options.Validate(parsed);
        return (parsed, factory);
    }

    /// <summary>Creates a driver for <paramref name="connectionString"/> (no I/O happens yet).</summary>
    /// <exception cref="OmnibusConfigurationException">The connection string is invalid; the message says why.</exception>
    public IBrokerDriver CreateDriver(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        var (parsed, factory) = Resolve(connectionString);
        return factory.Create(parsed, loggerFactory ?? NullLoggerFactory.Instance);
    }

    private static BrokerRegistry CreateDefault()
    {
        var registry = new BrokerRegistry().Register(new MemoryDriverFactory());
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            registry.Register(assembly);
        }

        // Driver packages referenced by the app but not loaded yet: every Omnibus.*.dll beside it whose metadata
        // announces a driver (read without loading it, so the others stay unloaded). No driver is named here.
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "Omnibus.*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!loaded.Contains(name) && DriverAssemblyProbe.AnnouncesDriver(path))
            {
                registry.Register(Assembly.Load(new AssemblyName(name)));
            }
        }

        return registry;
    }
}
