using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Description;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omnibus.Triggers;
using Omnibus.Triggers.Internal;

namespace Omnibus.Bindings.Internal;

/// <summary>
/// Wires the extension into the host: reads (and so validates) the options, logs them, and binds
/// <see cref="BrokerTriggerAttribute"/> to the trigger and <see cref="BrokerAttribute"/> to the collector.
/// </summary>
[Extension("Broker", "broker")]
internal sealed class BrokerExtensionConfigProvider(
    IOptions<BrokerOptions> options, BrokerConnectionCache cache, INameResolver nameResolver, IConfiguration configuration, ILoggerFactory loggerFactory)
    : IExtensionConfigProvider
{
    public void Initialize(ExtensionConfigContext context)
    {
        var defaults = Defaults(options.Value); // throws OptionsValidationException for a bad host.json: the host does not start
        Log.ExtensionStarted(loggerFactory.CreateLogger(Log.Category), ConnectionResolver.Redact(defaults.DefaultConnection), defaults.MaxConcurrency, defaults.MaxDeliveryAttempts, defaults.Backoff.Initial, defaults.Backoff.Max, defaults.DeadLetterTopic, defaults.DrainTimeout);
        OutputConverters.Register(context);
        context.AddBindingRule<BrokerTriggerAttribute>().BindToTrigger(new BrokerTriggerAttributeBindingProvider(nameResolver, configuration, cache, defaults, loggerFactory));
        var collectors = new BrokerCollectorFactory(configuration, defaults.DefaultConnection, cache);
        var output = context.AddBindingRule<BrokerAttribute>();
        output.AddValidator(collectors.Validate);
        output.BindToCollector(collectors.Create);
    }

    private static BrokerTriggerDefaults Defaults(BrokerOptions options) => new()
    {
        DefaultConnection = options.DefaultConnection,
        MaxConcurrency = options.MaxConcurrency,
        MaxDeliveryAttempts = options.MaxDeliveryAttempts,
        Backoff = RetryBackoff.Default with { Initial = options.BackoffInitial, Max = options.BackoffMax },
        DeadLetterTopic = options.DeadLetterTopic,
        DrainTimeout = options.DrainTimeout,
    };
}
