using System.Reflection;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.DependencyInjection;
using Omnibus.Triggers;
using Omnibus.Triggers.Internal;

namespace Omnibus.Bindings;

/// <summary>Start-up checks for hosts that run Omnibus functions.</summary>
public static class OmnibusHostExtensions
{
    /// <summary>
    /// Throws when a function the host indexes (its <see cref="ITypeLocator"/> types) uses
    /// <see cref="BrokerTriggerAttribute"/> or <see cref="BrokerAttribute"/> while the extension is not registered.
    /// The WebJobs SDK itself skips such a function without a word: it indexes a method only when some registered
    /// extension binds its trigger, and nothing of Omnibus runs in a host that did not register it. Call this on the
    /// built host's services before starting it. (The Azure Functions host needs no such call: it loads the extension
    /// from <c>[assembly: WebJobsStartup]</c>, and fails on a binding type in function.json that no extension registered.)
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">Such functions exist and the extension is missing; the message names them.</exception>
    public static void ThrowIfOmnibusMissing(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(BrokerConnectionCache)) == true)
        {
            return;
        }

        var functions = (services.GetService<ITypeLocator>()?.GetTypes() ?? [])
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(UsesOmnibus)
            .Select(m => BrokerTriggerAttributeBindingProvider.FunctionNameOf(m))
            .ToArray();
        if (functions.Length > 0)
        {
            throw new OmnibusConfigurationException(
                "extensions",
                $"Function(s) {string.Join(", ", functions)} use [BrokerTrigger] or [Broker], but the Omnibus extension is not registered, so the host would skip them silently. " +
                "Call builder.AddOmnibus() inside ConfigureWebJobs (or builder.UseExternalStartup() to load every [assembly: WebJobsStartup] extension).");
        }
    }

    private static bool UsesOmnibus(MethodInfo method) =>
        method.ReturnParameter.IsDefined(typeof(BrokerAttribute), false)
        || method.GetParameters().Any(p => p.IsDefined(typeof(BrokerTriggerAttribute), false) || p.IsDefined(typeof(BrokerAttribute), false));
}
