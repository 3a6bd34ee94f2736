using Confluent.Kafka;
using Omnibus.Drivers.Kafka.Internal;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>Connection-string validation: no server needed. Every option the driver cannot honour fails at connect.</summary>
public sealed class KafkaSettingsTests : IDisposable
{
    // A file that exists, for the TLS options that name one.
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void Parse_Defaults_AreSafe()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://h1:9092,h2"));
        Assert.Equal("h1:9092,h2:9092", settings.Bootstrap);
        Assert.True(settings.Producer.EnableIdempotence);
        Assert.Equal(Acks.All, settings.Producer.Acks);
        Assert.Equal(SecurityProtocol.Plaintext, settings.Client.SecurityProtocol);
        Assert.Equal(0, settings.MockBrokers);
        Assert.True(settings.KeylessOrdered);
    }

    [Fact]
    public void Parse_TableDefaults_AreTheOnesInEffect()
    {
        var table = new KafkaDriverFactory().Options;
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://h"));
        Assert.Equal(table.Find("batchSize")!.Default, settings.Producer.BatchNumMessages.ToString());
        Assert.Equal(table.Find("linger")!.Default, $"{settings.Producer.LingerMs}ms");
        Assert.Equal(table.Find("sessionTimeout")!.Default, $"{settings.SessionTimeout.TotalSeconds}s");
        Assert.Equal(table.Find("prefetch")!.Default, settings.Prefetch.ToString());
        Assert.Equal(table.Find("clientId")!.Default, settings.Client.ClientId);
    }

    [Fact]
    public void Parse_OptionNames_AreCaseInsensitive()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://h?LINGER=0ms&Compression=ZSTD&idempotence=false&ACKS=leader"));
        Assert.Equal(0, settings.Producer.LingerMs);
        Assert.Equal(CompressionType.Zstd, settings.Producer.CompressionType);
        Assert.Equal(Acks.Leader, settings.Producer.Acks);
    }

    [Fact]
    public void Parse_ReconnectOptions_BecomeLibrdkafkaReconnectBackoff()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://h?reconnectDelay=250ms&reconnectMaxDelay=20s"));
        Assert.Equal(250, settings.Client.ReconnectBackoffMs);
        Assert.Equal(20_000, settings.Client.ReconnectBackoffMaxMs);
        Assert.Equal(250, settings.Producer.ReconnectBackoffMs);
        Assert.Equal(20_000, settings.Consumer("h:9092", "g", StartPosition.Earliest).ReconnectBackoffMaxMs);
    }

    [Theory]
    [InlineData("compression=brotli", "compression", "none, snappy, lz4, zstd, gzip")]
    [InlineData("batchSize=0", "batchSize", "1 to 1000000")]
    [InlineData("linger=soon", "linger", "a duration")]
    [InlineData("idempotence=yes", "idempotence", "true or false")]
    [InlineData("sessionTimeout=1s", "sessionTimeout", "a duration")]
    [InlineData("mockBrokers=11", "mockBrokers", "0 to 10")]
    [InlineData("keyless=random", "keyless", "ordered, spread")]
    public void Connect_BadValue_ErrorNamesOptionValueAndAllowed(string query, string option, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Omnibus.Broker.Connect("kafka://h:9092?" + query));
        Assert.Equal(option, error.Setting);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(query[(query.IndexOf('=') + 1)..], error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
    }

    /// <summary>One case per option (or combination) librdkafka would reject at its first use, or ignore: each fails at connect.</summary>
    [Theory]
    [InlineData("kafka://h?acks=leader", "acks", "idempotence=false")]
    [InlineData("kafka://h?maxInFlight=6", "maxInFlight", "1 to 5 with idempotence=true")]
    [InlineData("kafka://user:secret@h?securityProtocol=plaintext", "securityProtocol", "sasl_plaintext or sasl_ssl")]
    [InlineData("kafka://user:secret@h?securityProtocol=ssl", "securityProtocol", "sasl_plaintext or sasl_ssl")]
    [InlineData("kafka://h?securityProtocol=sasl_ssl", "securityProtocol", "user:password@")]
    [InlineData("kafka://h?saslMechanism=SCRAM-SHA-256", "saslMechanism", "sasl_plaintext or sasl_ssl")]
    [InlineData("kafka://h?sslCaLocation={file}", "sslCaLocation", "ssl or sasl_ssl")]
    [InlineData("kafka://h?securityProtocol=plaintext&sslCertificateLocation={file}&sslKeyLocation={file}", "sslCertificateLocation", "ssl or sasl_ssl")]
    [InlineData("kafka://user:pw@h?securityProtocol=sasl_plaintext&sslKeyLocation={file}&sslCertificateLocation={file}", "sslCertificateLocation", "ssl or sasl_ssl")]
    [InlineData("kafka://h?sslKeyPassword=k", "sslKeyPassword", "ssl or sasl_ssl")]
    [InlineData("kafka://h?sslEndpointIdentification=none", "sslEndpointIdentification", "ssl or sasl_ssl")]
    [InlineData("kafka://h?securityProtocol=ssl&sslCaLocation=/nonexistent/ca.pem", "sslCaLocation", "readable file")]
    [InlineData("kafka://h?securityProtocol=ssl&sslCertificateLocation={file}", "sslCertificateLocation", "together")]
    [InlineData("kafka://h?securityProtocol=ssl&sslKeyLocation={file}", "sslKeyLocation", "together")]
    [InlineData("kafka://h?securityProtocol=ssl&sslKeyPassword=k", "sslKeyPassword", "together")]
    [InlineData("kafka://h:9092?mockBrokers=1", "mockBrokers", "without host")]
    [InlineData("kafka://?mockBrokers=1&securityProtocol=ssl", "mockBrokers", "without host, user or securityProtocol")]
    [InlineData("kafka://", "host", "kafka://host1:9092")]
    public void Connect_OptionItCannotHonour_FailsAtConnect_NamingOptionValueDriverAndAllowed(string connectionString, string option, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Omnibus.Broker.Connect(connectionString.Replace("{file}", _file, StringComparison.Ordinal)));
        Assert.Equal(option, error.Setting);
        Assert.Contains("kafka://", error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        if (option != "host")
        {
            Assert.Contains($"'{option}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_TlsWithItsFiles_IsHonoured()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse($"kafka://h?securityProtocol=ssl&sslCaLocation={_file}&sslCertificateLocation={_file}&sslKeyLocation={_file}&sslKeyPassword=k&sslEndpointIdentification=none"));
        Assert.Equal(SecurityProtocol.Ssl, settings.Client.SecurityProtocol);
        Assert.Equal(_file, settings.Producer.SslCaLocation);
        Assert.Equal("k", settings.Consumer("h:9092", "g", StartPosition.Latest).SslKeyPassword);
        Assert.Equal(SslEndpointIdentificationAlgorithm.None, settings.Client.SslEndpointIdentificationAlgorithm);
    }

    [Fact]
    public void Parse_NoIdempotence_AllowsOtherAcksAndMoreInFlight()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://h:9092?idempotence=false&acks=none&maxInFlight=100"));
        Assert.Equal(Acks.None, settings.Producer.Acks);
        Assert.Equal(100, settings.Producer.MaxInFlight);
    }

    [Fact]
    public void Parse_Credentials_DefaultToSaslSsl_AndNeverPrintThePassword()
    {
        var settings = KafkaSettings.Parse(ConnectionString.Parse("kafka://user:secret@h:9093?saslMechanism=SCRAM-SHA-512"));
        Assert.Equal(SecurityProtocol.SaslSsl, settings.Client.SecurityProtocol);
        Assert.Equal("user", settings.Producer.SaslUsername);
        Assert.Equal(SaslMechanism.ScramSha512, settings.Producer.SaslMechanism);
        Assert.DoesNotContain("secret", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Mock_NeedsNoHost()
    {
        Assert.Equal(3, KafkaSettings.Parse(ConnectionString.Parse("kafka://?mockBrokers=3")).MockBrokers);
    }

    [Fact]
    public void Connect_UnknownOption_FailsNamingIt()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Omnibus.Broker.Connect("kafka://h:9092?lingerMs=5"));
        Assert.Contains("lingerMs", error.Message, StringComparison.Ordinal);
        Assert.Contains("linger", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_KafkaScheme_FindsThisDriverWithoutConnecting()
    {
        await using var broker = Omnibus.Broker.Connect("kafka://localhost:1?linger=0ms");
        Assert.Equal("kafka", broker.Scheme);
        Assert.NotNull(broker.Admin);
        Assert.NotNull(broker.Backlog);
        Assert.True(broker.Features.ConsumerGroups && broker.Features.KeyOrdering && broker.Features.Persistent && broker.Features.Replay);
        Assert.False(broker.Features.DelayedDelivery || broker.Features.TimeToLive || broker.Features.ExactlyOnce || broker.Features.NativeDeadLetter);
    }

    [Fact]
    public void Readme_OptionTable_IsTheFactorysTable()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Drivers", "Kafka", "README.md")).ReplaceLineEndings("\n");
        Assert.Contains(new KafkaDriverFactory().Options.ToMarkdown(), readme, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omnibus.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Omnibus.sln not found above " + AppContext.BaseDirectory);
    }
}
