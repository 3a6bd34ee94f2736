using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus.Bindings;

namespace Omnibus.Samples.FunctionApp;

/// <summary>
/// A WebJobs host configured the way the Azure Functions host configures one: host.json with every key under
/// <c>AzureFunctionsJobHost:</c> (and <c>AzureWebJobsConfigurationSection</c> pointing there, so the extension reads
/// <c>extensions.broker</c> from it), the <c>Values</c> of local.settings.json as app settings, then environment
/// variables, which override both.
/// </summary>
public static class LocalFunctionsHost
{
    private const string Root = "AzureFunctionsJobHost";

    public static IHost Build(string directory, Type functions) =>
        new HostBuilder()
            .UseContentRoot(directory)
            .ConfigureAppConfiguration(config => config
                .AddFunctionsHostJson(Path.Combine(directory, "host.json"))
                .AddLocalSettings(Path.Combine(directory, "local.settings.json"))
                .AddEnvironmentVariables())
            .ConfigureWebJobs(webJobs => webJobs.AddOmnibus())
            .ConfigureLogging((context, logging) => logging
                .AddConfiguration(context.Configuration.GetSection(Root + ":logging"))
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                }))
            .ConfigureServices(services => services.AddSingleton<ITypeLocator>(new TypeLocator(functions)))
            .Build();

    private static IConfigurationBuilder AddFunctionsHostJson(this IConfigurationBuilder config, string path)
    {
        var hostJson = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
        var keys = hostJson.AsEnumerable().Where(kv => kv.Value is not null).Select(kv => new KeyValuePair<string, string?>(Root + ":" + kv.Key, kv.Value));
        return config.AddInMemoryCollection(keys)
            .AddInMemoryCollection([new("AzureWebJobsConfigurationSection", Root)]);
    }

    private static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder config, string path)
    {
        if (!File.Exists(path))
        {
            return config; // optional, as for the Functions host: app settings may come from the environment
        }

        var values = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection("Values");
        return config.AddInMemoryCollection(values.AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null));
    }

    private sealed class TypeLocator(params Type[] types) : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => types;
    }
}
