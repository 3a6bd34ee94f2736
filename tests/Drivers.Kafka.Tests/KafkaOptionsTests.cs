using Omnibus.Drivers.Kafka.Internal;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>Connection-string validation: no server needed.</summary>
public sealed class KafkaOptionsTests
{
    [Fact]
    public void Parse_Defaults_AreSafe()
    {
        var options = KafkaOptions.Parse(ConnectionString.Parse("kafka://h1:9092,h2"));
        Assert.Equal("h1:9092,h2:9092", options.BootstrapServers);
        Assert.True(options.Idempotence);
        Assert.Equal(Confluent.Kafka.Acks.All, options.Acks);
        Assert.Equal(0, options.MockBrokers);
    }

    [Theory]
    [InlineData("compression=brotli", "compression", "none, snappy, lz4, zstd, gzip")]
    [InlineData("batchSize=0", "batchSize", "1 to 1000000")]
    [InlineData("linger=soon", "linger", "a duration")]
    [InlineData("acks=leader", "acks", "idempotence")]
    [InlineData("maxInFlight=6", "maxInFlight", "1 to 5 with idempotence=true")]
    [InlineData("idempotence=yes", "idempotence", "true or false")]
    [InlineData("sessionTimeout=1s", "sessionTimeout", "a duration")]
    [InlineData("mockBrokers=11", "mockBrokers", "0 to 10")]
    [InlineData("keyless=random", "keyless", "ordered, spread")]
    public void Parse_BadValue_ErrorNamesOptionValueAndAllowed(string query, string option, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => KafkaOptions.Parse(ConnectionString.Parse("kafka://h:9092?" + query)));
        Assert.Equal(option, error.Setting);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoIdempotence_AllowsOtherAcksAndMoreInFlight()
    {
        var options = KafkaOptions.Parse(ConnectionString.Parse("kafka://h:9092?idempotence=false&acks=leader&maxInFlight=100&compression=zstd"));
        Assert.Equal(Confluent.Kafka.Acks.Leader, options.Acks);
        Assert.Equal(100, options.MaxInFlight);
        Assert.Equal(Confluent.Kafka.CompressionType.Zstd, options.Compression);
    }

    [Fact]
    public void Parse_Credentials_DefaultToSaslSsl_AndRejectPlaintext()
    {
        var options = KafkaOptions.Parse(ConnectionString.Parse("kafka://user:secret@h:9093?saslMechanism=SCRAM-SHA-512"));
        Assert.Equal(Confluent.Kafka.SecurityProtocol.SaslSsl, options.SecurityProtocol);
        var config = options.ProducerConfig(options.BootstrapServers);
        Assert.Equal("user", config.SaslUsername);
        Assert.Equal(Confluent.Kafka.SaslMechanism.ScramSha512, config.SaslMechanism);
        Assert.DoesNotContain("secret", options.ToString(), StringComparison.Ordinal);
        var error = Assert.Throws<OmnibusConfigurationException>(() => KafkaOptions.Parse(ConnectionString.Parse("kafka://user:secret@h:9093?securityProtocol=plaintext")));
        Assert.Equal("securityProtocol", error.Setting);
    }

    [Fact]
    public void Parse_NoHost_IsAnError_UnlessMock()
    {
        Assert.Equal("host", Assert.Throws<OmnibusConfigurationException>(() => KafkaOptions.Parse(ConnectionString.Parse("kafka://"))).Setting);
        Assert.Equal(3, KafkaOptions.Parse(ConnectionString.Parse("kafka://?mockBrokers=3")).MockBrokers);
    }

    [Fact]
    public void Connect_UnknownOption_FailsNamingIt()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Omnibus.Broker.Connect("kafka://h:9092?lingerMs=5"));
        Assert.Contains("lingerMs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_KafkaScheme_FindsThisDriverWithoutConnecting()
    {
        await using var broker = Omnibus.Broker.Connect("kafka://localhost:1?linger=0ms");
        Assert.True(broker.Features.ConsumerGroups && broker.Features.KeyOrdering && broker.Features.Persistent && broker.Features.Replay);
        Assert.False(broker.Features.DelayedDelivery || broker.Features.TimeToLive || broker.Features.ExactlyOnce || broker.Features.NativeDeadLetter);
    }
}
