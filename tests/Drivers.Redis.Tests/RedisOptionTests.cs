using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Drivers.Redis.Internal;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>Connection-string options: each one the driver cannot honour fails at Connect, naming it. No server needed.</summary>
public sealed class RedisOptionTests
{
    [Theory]
    [InlineData("redis://h?prefech=5", "prefech")] // unknown (the table suggests 'prefetch')
    [InlineData("redis://h?prefetch=0", "prefetch")]
    [InlineData("redis://h?claimIdle=10ms", "claimIdle")]
    [InlineData("redis://h?database=70000", "database")]
    [InlineData("redis://h?wakeUp=sometimes", "wakeUp")]
    [InlineData("redis://h?trim=roughly&maxLen=5", "trim")]
    [InlineData("redis://h?tlsServerName=redis.local", "tlsServerName")] // TLS options only on rediss://
    [InlineData("redis://h?tlsAcceptAnyCertificate=true", "tlsAcceptAnyCertificate")]
    [InlineData("rediss://h?tlsServerName=", "tlsServerName")]
    [InlineData("redis://h?maxLen=1000&maxAge=1m", "maxAge")] // XADD trims by MAXLEN or MINID, not both
    [InlineData("redis://h?trim=exact", "trim")] // nothing to trim
    [InlineData("redis://h?pollMin=2s&pollMax=1s", "pollMin")]
    [InlineData("redis://h?clientName=my%20app", "clientName")]
    [InlineData("redis://h?prefix=a%20b", "prefix")]
    [InlineData("redis://h/2?database=3", "database")] // two different databases
    [InlineData("redis://h/zero", "database")]
    [InlineData("redis://h1:6379,h2:6379", "host")] // several hosts: Cluster and Sentinel are not supported
    [InlineData("redis://", "host")]
    [InlineData("redis://h:99999", "host")]
    public void Connect_UnsupportedOption_FailsNamingIt(string connectionString, string option)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString));
        Assert.Equal(option, e.Setting, ignoreCase: true);
        Assert.Contains("redis", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_FullConnectionString_EveryPartRead()
    {
        var settings = RedisSettings.From(ConnectionString.Parse(
            "rediss://app:p%40ss@cache.local:6380/3?prefix=orders:&maxAge=10m&trim=exact&claimIdle=1m&claimInterval=2s&pollMin=0ms&pollMax=250ms&wakeUp=false&prefetch=500&tlsServerName=redis.internal&tlsAcceptAnyCertificate=true&clientName=billing"));
        Assert.Equal(("cache.local", 6380, 3), (settings.Host, settings.Port, settings.Database));
        Assert.Equal(("app", "p@ss"), (settings.User, settings.Password));
        Assert.True(settings.Tls);
        Assert.Equal("redis.internal", settings.TlsServerName);
        Assert.True(settings.TlsAcceptAnyCertificate);
        Assert.Equal("orders:", settings.Prefix);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.MaxAge);
        Assert.True(settings.ExactTrim);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.ClaimIdle);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.LeaseInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ClaimInterval);
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromMilliseconds(250)), (settings.PollMin, settings.PollMax));
        Assert.False(settings.WakeUp);
        Assert.Equal(500, settings.Prefetch);
        Assert.Equal("billing", settings.ClientName);
        var configuration = settings.ToConfiguration();
        Assert.True(configuration.Ssl);
        Assert.Equal("redis.internal", configuration.SslHost);
        Assert.Equal(3, configuration.DefaultDatabase);
    }

    [Fact]
    public void From_Defaults_StandalonePort6379Database0NoTrimming()
    {
        var settings = RedisSettings.From(ConnectionString.Parse("redis://localhost"));
        Assert.Equal(("localhost", 6379, 0), (settings.Host, settings.Port, settings.Database));
        Assert.False(settings.Tls);
        Assert.Equal((0L, (TimeSpan?)null), (settings.MaxLen, settings.MaxAge));
        Assert.Equal(string.Empty, settings.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ClaimIdle);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.PollMax);
        Assert.True(settings.WakeUp);
        Assert.Null(settings.Prefetch);
        Assert.Null(settings.User);
    }

    [Fact]
    public void Create_DoesNoIo_AndDeclaresItsFeatures()
    {
        // Port 1: nothing listens there, and nothing is tried until the first publish or subscribe.
        var driver = new RedisDriverFactory().Create(ConnectionString.Parse("redis://127.0.0.1:1"), NullLoggerFactory.Instance);
        Assert.Equal("redis", driver.Scheme);
        Assert.Equal(
            new BrokerFeatures { ConsumerGroups = true, Persistent = true, TimeToLive = true, BatchPublish = true, Replay = true },
            driver.Features);
        Assert.NotNull(driver.Admin);
        Assert.NotNull(driver.Backlog);
    }

    [Fact]
    public async Task Subscribe_OrderByKey_RejectedBecauseMembersDoNotKeepKeyOrder()
    {
        await using var broker = Broker.Connect("redis://127.0.0.1:1");
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { Ordering = MessageOrdering.ByKey }, (_, _) => default));
        Assert.Equal("Ordering", e.Setting);
    }

    [Fact]
    public async Task Publish_DeliverAfter_NotSupported()
    {
        await using var broker = Broker.Connect("redis://127.0.0.1:1");
        var e = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("t", new Message(new byte[1]) { DeliverAfter = TimeSpan.FromSeconds(1) }));
        Assert.Equal(nameof(Message.DeliverAfter), e.Feature);
    }
}
