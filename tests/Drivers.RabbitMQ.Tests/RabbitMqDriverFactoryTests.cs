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
    [InlineData("amqp://h?connectionName=", "connectionName")]
    [InlineData("amqp://h?publishTimeout=10ms", "publishTimeout")]
    [InlineData("amqp://h?prefech=5", "prefech")]
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
