using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class AtMostOnceUnacceptedFunctions
{
    [FunctionName("AtMostOnceUnaccepted")]
    public void Run([BrokerTrigger("amo-refused")] string body) => _ = body;
}

public sealed class AtMostOnceAcceptedFunctions(Probe probe)
{
    [FunctionName("AtMostOnceAccepted")]
    public void Run([BrokerTrigger("amo-accepted", AcceptAtMostOnce = true)] string body) => probe["AtMostOnceAccepted"].Add(body);
}

/// <summary>
/// An at-most-once connection (embedded:// qos=0 settles a message when it is handed out, so a failing invocation is
/// neither retried nor dead-lettered) under a [BrokerTrigger]: refused at start unless the attribute accepts it.
/// </summary>
public sealed class AtMostOnceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "omnibus-amo-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Trigger_OnQos0Connection_WithoutAcceptAtMostOnce_HostStartFailsNamingTheProperty()
    {
        await using var host = await TestHost.StartAsync([typeof(AtMostOnceUnacceptedFunctions)], connectionString: $"embedded://{_directory}?qos=0", start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        var configuration = DefaultConnectionTests.FindConfigurationError(error);
        Assert.Equal(nameof(BrokerTriggerAttribute.AcceptAtMostOnce), configuration.Setting);
        Assert.Contains("at-most-once", configuration.Message, StringComparison.Ordinal);
        Assert.Contains("AcceptAtMostOnce = true", configuration.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_OnQos0Connection_WithAcceptAtMostOnce_Starts_AndHandles()
    {
        await using var host = await TestHost.StartAsync([typeof(AtMostOnceAcceptedFunctions)], connectionString: $"embedded://{_directory}?qos=0");
        await host.PublishAsync("amo-accepted", "at most once");
        await host.Probe["AtMostOnceAccepted"].WaitUntilAsync(items => items.Contains("at most once"), TestHost.Timeout, "the message handled");
    }

    [Fact]
    public async Task Trigger_OnQos1Connection_WithoutAcceptAtMostOnce_Starts()
    {
        await using var host = await TestHost.StartAsync([typeof(AtMostOnceUnacceptedFunctions)], connectionString: $"embedded://{_directory}?qos=1");
        Assert.False(host.Broker.Features.AtMostOnce);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
