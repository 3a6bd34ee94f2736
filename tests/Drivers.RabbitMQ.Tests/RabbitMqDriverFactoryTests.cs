using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Drivers.RabbitMQ.Internal;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Connection-string validation and name mapping; no server needed.</summary>
public sealed class RabbitMqDriverFactoryTests
{
    [Theory]
    [InlineData("amqp://h?prefetch=0", "prefetch")]
    [InlineData("amqp://h?prefetch=70000", "prefetch")]
    [InlineData("amqp://h?heartbeat=500ms", "heartbeat")]
    [InlineData("amqp://h?heartbeat=soon", "heartbeat")]
    [InlineData("amqp://h?tlsServerName=x", "tlsServerName")]
    [InlineData("amqp://h?tlsAcceptAnyCertificate=true", "tlsAcceptAnyCertificate")]
    [InlineData("amqps://h?tlsAcceptAnyCertificate=maybe", "tlsAcceptAnyCertificate")]
    [InlineData("amqp://h?tlsCaCertificate=/etc/hostname", "tlsCaCertificate")]
    [InlineData("amqps://h?tlsCaCertificate=/etc/hostname", "tlsCaCertificate")]
    [InlineData("amqps://h?tlsAcceptAnyCertificate=true&tlsCaCertificate=/etc/hostname", "tlsCaCertificate")]
    [InlineData("amqp://h?connectionName=", "connectionName")]
    [InlineData("amqp://h?publishTimeout=10ms", "publishTimeout")]
    [InlineData("amqp://h?prefech=5", "prefech")]
    [InlineData("amqp://h?recoveryInterval=2s", "recoveryInterval")]
    [InlineData("amqp://h?reconnectDelay=1ms", "reconnectDelay")]
    public void Connect_InvalidOption_FailsNamingIt(string connectionString, string option)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString));
        Assert.Equal(option, e.Setting);
        Assert.Contains(option, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FullConnectionString_AllPartsRead()
    {
        var settings = RabbitMqSettings.Parse(ConnectionString.Parse("amqps://u:p%40ss@h1:5000,h2/%2Fprod?prefetch=7&heartbeat=10s&connectionName=app&tlsServerName=rabbit.local"));
        Assert.Equal(["h1:5000", "h2:5671"], settings.Endpoints.Select(e => $"{e.HostName}:{e.Port}"));
        Assert.All(settings.Endpoints, e => Assert.True(e.Ssl.Enabled));
        Assert.Equal("rabbit.local", settings.Endpoints[0].Ssl.ServerName);
        Assert.Equal("/prod", settings.VirtualHost);
        Assert.Equal("u", settings.UserName);
        Assert.Equal("p@ss", settings.Password);
        Assert.Equal(7, settings.Prefetch);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Heartbeat);
        Assert.Equal("app", settings.ConnectionName);
    }

    [Theory]
    [InlineData("tlsServerName=rabbit.local")]
    [InlineData("tlsAcceptAnyCertificate=true")]
    [InlineData("TLSACCEPTANYCERTIFICATE=false")]
    public void Connect_TlsOptionOnPlaintextAmqp_RejectedAtConnect(string option)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("amqp://127.0.0.1:1?" + option));
        Assert.Contains("TLS options apply only to amqps://", e.Message, StringComparison.Ordinal);
        Assert.Contains(option.Split('=')[1], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribeBatch_PrefetchBelowBatchSize_RejectedAtSubscribeWithoutConnecting()
    {
        // Port 1: nothing listens, so the error can only come from the check before any I/O.
        await using var broker = Broker.Connect("amqp://127.0.0.1:1?prefetch=10");
        var options = new SubscriptionOptions("t", "g") { Batch = new BatchOptions { MaxSize = 100, MaxWait = TimeSpan.FromSeconds(1) } };
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeBatchAsync(options, (_, _) => default));
        Assert.Equal("prefetch", e.Setting);
        Assert.Contains("'10'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Batch.MaxSize = 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReconnectDelay_IsTheClientsRecoveryInterval()
    {
        var settings = RabbitMqSettings.Parse(ConnectionString.Parse("amqp://h?reconnectDelay=750ms"));
        Assert.Equal(TimeSpan.FromMilliseconds(750), settings.CreateFactory().NetworkRecoveryInterval);
        Assert.False(settings.CreateFactory().TopologyRecoveryEnabled);
        Assert.Null(RabbitMqSettings.Parse(ConnectionString.Parse("amqp://h")).Prefetch);
    }

    [Fact]
    public void Readme_OptionTable_IsTheFactorysTable()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Drivers/RabbitMQ/README.md"));
        Assert.Contains(new RabbitMqDriverFactory().Options.ToMarkdown(), readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoVhost_DefaultVhostAndPort()
    {
        var settings = RabbitMqSettings.Parse(ConnectionString.Parse("amqp://localhost"));
        Assert.Equal("/", settings.VirtualHost);
        Assert.Equal(5672, settings.Endpoints[0].Port);
        Assert.False(settings.Endpoints[0].Ssl.Enabled);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(9, 10)]
    [InlineData(50, 50)]
    [InlineData(81, 100)]
    [InlineData(700, 800)]
    [InlineData(1001, 1200)]
    [InlineData(30_000, 30_000)]
    public void Bucket_Delay_RoundedUpAtMost25Percent(int ms, long bucket)
    {
        Assert.Equal(bucket, Names.Bucket(TimeSpan.FromMilliseconds(ms)));
    }

    [Fact]
    public void Factory_Create_DoesNoIo()
    {
        var driver = new RabbitMqDriverFactory().Create(ConnectionString.Parse("amqp://127.0.0.1:1"), NullLoggerFactory.Instance);
        Assert.Equal("amqp", driver.Scheme);
        Assert.True(driver.Features.Persistent);
    }
}
