using System.Globalization;
using System.Reflection;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Creates the trigger binding for each parameter marked <see cref="BrokerTriggerAttribute"/>. Everything that can
/// be checked without I/O is checked here, at indexing: settings (<c>%Setting%</c> in every string property),
/// the connection string, the subscription options and the parameter type. A problem fails the host's start with
/// a message naming the function and the property.
/// </summary>
internal sealed class BrokerTriggerAttributeBindingProvider : ITriggerBindingProvider
{
    private readonly INameResolver _nameResolver;
    private readonly ConnectionResolver _connections;
    private readonly BrokerConnectionCache _cache;
    private readonly BrokerTriggerDefaults _defaults;
    private readonly ILoggerFactory _loggerFactory;

    public BrokerTriggerAttributeBindingProvider(INameResolver nameResolver, IConfiguration configuration, BrokerConnectionCache cache, BrokerTriggerDefaults defaults, ILoggerFactory loggerFactory)
    {
        _nameResolver = nameResolver;
        var announced = 0;
        var log = loggerFactory.CreateLogger(Log.Category);
        _connections = new ConnectionResolver(configuration, defaults.DefaultConnection, connection =>
        {
            if (Interlocked.Exchange(ref announced, 1) == 0)
            {
                Log.DefaultConnectionUsed(log, ConnectionResolver.Redact(connection), BrokerTriggerDefaults.ConnectionSetting, Environment.CurrentDirectory);
            }
        });
        _cache = cache;
        _defaults = defaults;
        _loggerFactory = loggerFactory;
    }

    public Task<ITriggerBinding?> TryCreateAsync(TriggerBindingProviderContext context)
    {
        var parameter = context.Parameter;
        var attribute = parameter.GetCustomAttribute<BrokerTriggerAttribute>(inherit: false);
        if (attribute is null)
        {
            return Task.FromResult<ITriggerBinding?>(null);
        }

        var function = FunctionNameOf(parameter.Member);
        try
        {
            var binder = TriggerParameterBinder.Create(parameter.ParameterType, attribute.IsBatched);
            var settings = Resolve(attribute, function);
            ITriggerBinding binding = new BrokerTriggerBinding(parameter, binder, settings, _cache, _loggerFactory);
            return Task.FromResult<ITriggerBinding?>(binding);
        }
        catch (Exception e) when (e is OmnibusConfigurationException or InvalidOperationException or FormatException)
        {
            // The host sees the configuration error as itself (the setting it names survives), with the function added.
            var setting = e is OmnibusConfigurationException configuration ? configuration.Setting : parameter.Name ?? "parameter";
            throw new OmnibusConfigurationException(setting, $"[BrokerTrigger] on parameter '{parameter.Name}' of function '{function}' is invalid: {e.Message}", e);
        }
    }

    private BrokerTriggerSettings Resolve(BrokerTriggerAttribute attribute, string function)
    {
        var topic = _nameResolver.ResolveWholeString(attribute.Topic);
        var group = attribute.Group is null ? function : _nameResolver.ResolveWholeString(attribute.Group);
        var connectionString = _connections.Resolve(attribute.Connection is null ? null : _nameResolver.ResolveWholeString(attribute.Connection));
        var deadLetter = attribute.DeadLetterTopic is null ? _defaults.DeadLetterTopicFor(topic, group) : _nameResolver.ResolveWholeString(attribute.DeadLetterTopic);
        Require(attribute.MaxConcurrency >= 0, nameof(attribute.MaxConcurrency), attribute.MaxConcurrency, "0 (the extension's default) or from 1 to 10000");
        Require(attribute.MaxDeliveryAttempts >= 0, nameof(attribute.MaxDeliveryAttempts), attribute.MaxDeliveryAttempts, "0 (the extension's default) or from 1 to 1000");
        Require(attribute.MaxBatchSize >= 0, nameof(attribute.MaxBatchSize), attribute.MaxBatchSize, "0 (100) or from 1 to 100000");

        var batch = BatchOptions.Default;
        if (attribute.MaxBatchSize > 0)
        {
            batch = batch with { MaxSize = attribute.MaxBatchSize };
        }

        if (attribute.MaxBatchWait is not null)
        {
            var wait = _nameResolver.ResolveWholeString(attribute.MaxBatchWait);
            Require(TimeSpan.TryParse(wait, CultureInfo.InvariantCulture, out var maxWait), nameof(attribute.MaxBatchWait), wait, "a TimeSpan such as '00:00:00.250'");
            batch = batch with { MaxWait = maxWait };
        }

        if (!attribute.IsBatched)
        {
            Require(attribute.MaxBatchSize == 0 && attribute.MaxBatchWait is null, nameof(attribute.MaxBatchSize), attribute.MaxBatchSize, "unset unless IsBatched = true");
        }

        var options = new SubscriptionOptions(topic, group)
        {
            Concurrency = attribute.MaxConcurrency > 0 ? attribute.MaxConcurrency : _defaults.MaxConcurrency,
            MaxDeliveryAttempts = attribute.MaxDeliveryAttempts > 0 ? attribute.MaxDeliveryAttempts : _defaults.MaxDeliveryAttempts,
            DeadLetterTopic = deadLetter,
            StartFrom = attribute.StartFrom,
            Ordering = attribute.OrderBy == OrderBy.Key ? MessageOrdering.ByKey : MessageOrdering.None,
            Backoff = _defaults.Backoff,
            Batch = batch,
            DrainTimeout = _defaults.DrainTimeout,
        };
        options.Validate();

        // No I/O: this checks the scheme and options of the connection string and what the driver can do.
        var broker = _cache.Get(connectionString);
        Require(!broker.Features.AtMostOnce || attribute.AcceptAtMostOnce, nameof(attribute.AcceptAtMostOnce), attribute.AcceptAtMostOnce,
            $"true on the at-most-once connection {broker.Scheme}:// (a failing invocation loses its message, without retry or dead letter): set AcceptAtMostOnce = true to accept that, or use an at-least-once connection (embedded:// qos=1 or 2)");
        if (options.Ordering == MessageOrdering.ByKey)
        {
            Require(!attribute.IsBatched, nameof(attribute.OrderBy), attribute.OrderBy, "None in batch mode");
            Require(broker.Features.KeyOrdering, nameof(attribute.OrderBy), attribute.OrderBy, $"None on the {broker.Scheme}:// driver, which does not keep per-key order");
        }

        return new BrokerTriggerSettings(function, connectionString, options);
    }

    private static void Require(bool condition, string property, object? value, string allowed)
    {
        if (!condition)
        {
            throw new OmnibusConfigurationException(property, $"{property} = '{value}' is invalid: allowed is {allowed}.");
        }
    }

    /// <summary>The function name as the host knows it: [FunctionName] when present, else Class.Method.</summary>
    internal static string FunctionNameOf(MemberInfo method)
    {
        var named = method.GetCustomAttribute<FunctionNameAttribute>();
        return named?.Name ?? $"{method.DeclaringType?.Name}.{method.Name}";
    }
}
