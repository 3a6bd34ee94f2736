using Xunit;

namespace Omnibus.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Parse_FullForm_SplitsSchemeCredentialsLocationAndOptions()
    {
        var cs = ConnectionString.Parse("KAFKA://alice:s%40cret@h1:9092,h2:9093/path?linger=5ms&Batch=10");
        Assert.Equal("kafka", cs.Scheme);
        Assert.Equal("alice", cs.UserName);
        Assert.Equal("s@cret", cs.Password);
        Assert.Equal("h1:9092,h2:9093/path", cs.Location);
        Assert.Equal("5ms", cs.Get("LINGER"));
        Assert.Equal([("h1", 9092), ("h2", 9093)], cs.Hosts(9092));
        Assert.Equal(TimeSpan.FromMilliseconds(5), cs.GetDuration("linger", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void ToString_WithPassword_NeverShowsIt()
    {
        var text = ConnectionString.Parse("amqp://guest:topsecret@localhost:5672/vhost").ToString();
        Assert.DoesNotContain("topsecret", text, StringComparison.Ordinal);
        Assert.Contains("guest:***@localhost:5672/vhost", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost:9092")]
    [InlineData("://x")]
    public void Parse_NotAConnectionString_FailsNamingTheForm(string value)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => ConnectionString.Parse(value));
        Assert.Contains("scheme://", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RepeatedOption_Fails()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => ConnectionString.Parse("memory://?retention=1&retention=2"));
        Assert.Equal("retention", e.Setting);
    }

    [Fact]
    public void Connect_MisspeltOption_FailsNamingItAndListingTheValidOnes()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("memory://?retension=10"));
        Assert.Equal("retension", e.Setting);
        Assert.Contains("'retension' is not supported by the memory:// driver", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'retention'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("retention (", e.Message, StringComparison.Ordinal);
        Assert.Contains("dedupeWindow (", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_OptionValueOutOfRange_FailsNamingOptionValueAndRange()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("memory://?retention=-3"));
        Assert.Equal("retention", e.Setting);
        Assert.Contains("'-3'", e.Message, StringComparison.Ordinal);
        Assert.Contains("from 0 to 10000000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10737418240", 10737418240L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void GetInt64_ValueAbove2Pow31_IsThatNumber(string raw, long expected)
    {
        var cs = ConnectionString.Parse($"embedded://?retentionBytes={raw}");
        Assert.Equal(expected, cs.GetInt64("retentionBytes", 0, 0, long.MaxValue));
    }

    [Fact]
    public void GetInt32_ValueAbove2Pow31_FailsNamingTheRange()
    {
        var cs = ConnectionString.Parse("memory://?retention=10737418240");
        var e = Assert.Throws<OmnibusConfigurationException>(() => cs.GetInt32("retention", 0, 0, int.MaxValue));
        Assert.Contains("'10737418240'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"from 0 to {int.MaxValue}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_KnownSchemeWithoutDriver_NamesThePackageToReference()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("kafka://localhost:9092", new BrokerClientOptions { Registry = new BrokerRegistry().Register(new Memory.MemoryDriverFactory()) }));
        Assert.Contains("Omnibus.Drivers.Kafka", e.Message, StringComparison.Ordinal);
        Assert.Contains("memory://", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_UnknownScheme_ListsTheSchemesOmnibusKnows()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("mqtt://localhost"));
        Assert.Equal("scheme", e.Setting);
        Assert.Contains("'mqtt'", e.Message, StringComparison.Ordinal);
        Assert.Contains("kafka://", e.Message, StringComparison.Ordinal);
        Assert.Contains("pubsub://", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hosts_BadPort_FailsNamingTheHost()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => ConnectionString.Parse("nats://h1:99999").Hosts(4222));
        Assert.Contains("h1:99999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_MemoryWithCredentials_FailsBecauseTheyWouldBeIgnored()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("memory://user:pw@name"));
        Assert.Equal("credentials", e.Setting);
        Assert.DoesNotContain("pw", e.Message.Replace("password", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
