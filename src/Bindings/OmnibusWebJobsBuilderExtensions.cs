using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omnibus.Bindings.Internal;
using Omnibus.Triggers.Internal;

namespace Omnibus.Bindings;

/// <summary>Registers the Omnibus extension in a WebJobs host.</summary>
public static class OmnibusWebJobsBuilderExtensions
{
    /// <summary>
    /// Adds <c>[BrokerTrigger]</c> and <c>[Broker]</c> bindings, with <see cref="BrokerOptions"/> read from host.json
    /// (<c>extensions.broker</c>) and then <paramref name="configure"/>. One broker connection per distinct connection
    /// string is shared by every binding of the host and closed when the host is disposed. Calling it again only
    /// adds <paramref name="configure"/>.
    /// </summary>
    /// <example><code>
    /// new HostBuilder().ConfigureWebJobs(b => b.AddOmnibus(o => o.MaxConcurrency = 8));
    /// </code></example>
    public static IWebJobsBuilder AddOmnibus(this IWebJobsBuilder builder, Action<BrokerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(s => s.ServiceType == typeof(BrokerConnectionCache)))
        {
            builder.AddExtension<BrokerExtensionConfigProvider>().BindOptions<BrokerOptions>();
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>());
            builder.Services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<BrokerOptions>>().Value;
                return new BrokerConnectionCache(
                    options.Registry ?? BrokerRegistry.Default,
                    sp.GetRequiredService<ILoggerFactory>(),
                    options.IdempotentConsumer ? [Middleware.IdempotentConsumer.Create()] : []);
            });
        }

        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }
}
