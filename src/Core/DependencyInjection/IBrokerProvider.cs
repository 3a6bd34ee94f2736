namespace Omnibus.DependencyInjection;

/// <summary>The named brokers registered with <see cref="OmnibusServiceCollectionExtensions.AddOmnibus(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{OmnibusBuilder})"/>. Thread-safe.</summary>
public interface IBrokerProvider
{
    /// <summary>The registered names.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The broker registered as <paramref name="name"/>, created on first use.</summary>
    /// <exception cref="OmnibusConfigurationException">No broker has that name.</exception>
    IBroker Get(string name = OmnibusBuilder.DefaultName);
}
