using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Omnibus.Conformance;
using Omnibus.DependencyInjection;
using Xunit;

namespace Omnibus.Tests;

public sealed class DependencyInjectionTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public async Task AddOmnibus_FromConfiguration_RegistersNamedBrokersAndDefault()
    {
        var config = Json("""{ "Omnibus": { "Brokers": { "default": "memory://", "audit": "memory://?retention=10" } } }""");
        await using var provider = new ServiceCollection().AddOmnibus(config.GetSection("Omnibus")).BuildServiceProvider();
        var brokers = provider.GetRequiredService<IBrokerProvider>();
        Assert.Equal(["audit", "default"], brokers.Names.Order());
        var broker = provider.GetRequiredService<IBroker>();
        Assert.Same(broker, brokers.Get());
        Assert.Equal("default", broker.Name);
        Assert.NotSame(broker, brokers.Get("audit"));

        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("di", "g"), (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync("di", Message.FromString("hello"));
        await seen.WaitForCountAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("hello", seen.Items[0].GetString());
    }

    [Fact]
    public void AddOmnibus_UnknownSettingInSection_FailsAtRegistration()
    {
        var config = Json("""{ "Omnibus": { "Brokerz": { "default": "memory://" } } }""");
        var e = Assert.Throws<OmnibusConfigurationException>(() => new ServiceCollection().AddOmnibus(config.GetSection("Omnibus")));
        Assert.Equal("Brokerz", e.Setting);
        Assert.Contains("allowed is 'Brokers'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOmnibus_MisspeltDriverOption_FailsAtRegistration()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => new ServiceCollection().AddOmnibus(b => b.AddBroker("default", "memory://?dedupe=5")));
        Assert.Equal("dedupe", e.Setting);
        Assert.Contains("dedupeWindow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UnknownName_ListsRegisteredNames()
    {
        await using var provider = new ServiceCollection().AddOmnibus(b => b.AddBroker("orders", "memory://")).BuildServiceProvider();
        var e = Assert.Throws<OmnibusConfigurationException>(() => provider.GetRequiredService<IBrokerProvider>().Get("payments"));
        Assert.Contains("orders", e.Message, StringComparison.Ordinal);
        Assert.Null(provider.GetService<IBroker>());
    }
}
