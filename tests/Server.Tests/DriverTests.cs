using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Conformance;
using Omnibus.Drivers.Omnibus;

namespace Omnibus.Server.Tests;

/// <summary>The omnibus:// driver's options, and its liveness on a quiet connection (timing: not beside the load tests).</summary>
[Collection(TimingCollection.Name)]
public sealed class DriverTests
{
    [Theory]
    [InlineData("omnibus://127.0.0.1:7470?tokn=x", "Did you mean 'token'?")]
    [InlineData("omnibus://127.0.0.1:7470?tlsInsecure=true", "tls=true")]
    [InlineData("omnibus://127.0.0.1:7470?tls=true&tlsThumbprint=abc", "64 hexadecimal digits")]
    [InlineData("omnibus://:a@127.0.0.1:7470?token=b", "token twice")]
    [InlineData("omnibus://127.0.0.1:7470?prefetch=0", "1 to 100000")]
    [InlineData("omnibus://h1:7470,h2:7470", "exactly one server")]
    public void Connect_InvalidConnectionString_ErrorNamesTheProblem(string connectionString, string expected)
    {
        var error = Assert.ThrowsAny<OmnibusConfigurationException>(() => Broker.Connect(connectionString));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_ListsItsOptions_AndServesOmnibusScheme()
    {
        var factory = new OmnibusDriverFactory();
        Assert.Equal(["omnibus"], factory.Schemes);
        Assert.Equal(["connectTimeout", "name", "prefetch", "reconnectDelay", "reconnectMaxDelay", "tls", "tlsInsecure", "tlsServerName", "tlsThumbprint", "token"], factory.Options.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Omnibus.Drivers.Omnibus", BrokerRegistry.KnownSchemes["omnibus"]);
        Assert.Equal("omnibus", factory.Create(ConnectionString.Parse("omnibus://127.0.0.1"), NullLoggerFactory.Instance).Scheme);
    }

    [Theory]
    [InlineData("omnibus://127.0.0.1:7470?TLS=true&TlsInsecure=true&PREFETCH=10")]
    [InlineData("omnibus://127.0.0.1:7470?reconnectdelay=50ms&ReconnectMaxDelay=1s&connecttimeout=2s")]
    public async Task Connect_OptionNamesInAnyCase_AreRecognised(string connectionString)
    {
        // Matched in any case, not merely tolerated: TlsInsecure passes only because TLS counts as tls=true.
        await using var broker = Broker.Connect(connectionString);
        Assert.Equal("omnibus", broker.Scheme);
    }

    [Fact]
    public void Readme_CarriesTheOptionTable_Verbatim()
    {
        Assert.Contains(new OmnibusDriverFactory().Options.ToMarkdown(), RepositoryFiles.Read("src", "Drivers", "Omnibus", "README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuietSubscriber_LongerThanIdleTimeout_StaysConnectedByPinging()
    {
        await using var server = await TestServer.StartAsync(o => o.IdleTimeout = TimeSpan.FromSeconds(2));
        await using var subscriber = server.Connect();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await subscriber.SubscribeAsync(new SubscriptionOptions("quiet", "g"), (m, _) => { received.TrySetResult(m.GetString()); return default; });

        await Task.Delay(TimeSpan.FromSeconds(6)); // the scenario itself: three idle timeouts without application traffic

        await using var publisher = server.Connect();
        await publisher.PublishAsync("quiet", Message.FromString("still there"));
        Assert.Equal("still there", await received.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, server.Stats.ConnectionsTotal); // the subscriber never had to reconnect
    }
}

/// <summary>Tests whose timing a saturated machine could upset: they run alone, not in parallel with other classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
