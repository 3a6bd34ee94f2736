using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class DefaultConnectionFunctions(Probe probe)
{
    [FunctionName("OnDefault")]
    public void OnDefault([BrokerTrigger("on-default")] string body) => probe["OnDefault"].Add(body);
}

public sealed class NamedMissingSettingFunctions
{
    [FunctionName("NamedMissing")]
    public void NamedMissing([BrokerTrigger("t", Connection = "NoSuchSetting")] string body) => _ = body;
}

/// <summary>What a function app without a connection setting gets: the embedded default, said out loud, and never on Azure.</summary>
public sealed class DefaultConnectionTests
{
    [Fact]
    public async Task NoSetting_UsesTheDefault_AndLogsWhichBrokerAndWhere()
    {
        var directory = Path.Combine(Path.GetTempPath(), "omnibus-default-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var host = await TestHost.StartAsync(
                [typeof(DefaultConnectionFunctions)],
                new Dictionary<string, string?> { ["OmnibusConnection"] = null, ["AzureWebJobs:extensions:broker:defaultConnection"] = "embedded://" + directory }))
            {
                await using var client = Broker.Connect("embedded://" + directory);
                await client.PublishAsync("on-default", Message.FromString("d1"));
                await host.Probe["OnDefault"].WaitForCountAsync(1, TestHost.Timeout);
                var said = Assert.Single(host.Logs.Events.Items, e => e.Id.Id == 2009);
                Assert.Contains("embedded://" + directory, said.Text, StringComparison.Ordinal);
                Assert.Contains("OmnibusConnection", said.Text, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task NoSetting_OnAHostedAzureInstance_FailsNamingTheSettingToAdd()
    {
        await using var host = await TestHost.StartAsync(
            [typeof(DefaultConnectionFunctions)],
            new Dictionary<string, string?> { ["OmnibusConnection"] = null, ["WEBSITE_INSTANCE_ID"] = "0123abcd" },
            start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        var configuration = FindConfigurationError(error);
        Assert.Equal("OmnibusConnection", configuration.Setting);
        Assert.Contains("Add the app setting 'OmnibusConnection'", configuration.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionNamingAMissingSetting_FailsNamingIt()
    {
        await using var host = await TestHost.StartAsync([typeof(NamedMissingSettingFunctions)], start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        Assert.Contains("Connection = 'NoSuchSetting'", FindConfigurationError(error).Message, StringComparison.Ordinal);
    }

    internal static OmnibusConfigurationException FindConfigurationError(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is OmnibusConfigurationException configuration)
            {
                return configuration;
            }
        }

        throw new Xunit.Sdk.XunitException("No OmnibusConfigurationException in: " + error);
    }
}
