using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>amqps:// against a real node's TLS listener: a certificate of the configured CA is trusted, any other is refused, saying why.</summary>
public sealed class RabbitMqTlsTests : IClassFixture<RabbitMqTlsNode>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqTlsNode _node;

    public RabbitMqTlsTests(RabbitMqTlsNode node) => _node = node;

    [ConformanceFact]
    public async Task Amqps_CertificateOfTheConfiguredCa_PublishesAndConsumes()
    {
        _node.Require();
        await using var broker = Broker.Connect(_node.ConnectionString($"tlsCaCertificate={_node.CaFile}&tlsServerName=localhost"));
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("tls-orders", "g-" + Guid.NewGuid().ToString("N")[..8]), (m, _) => { seen.Add(m); return default; });
        var sent = Message.FromString("over tls");
        await broker.PublishAsync("tls-orders", sent);
        await seen.WaitUntilAsync(items => items.Any(m => m.Id == sent.Id), Timeout, "the message sent over amqps");
        Assert.Equal("over tls", seen.Items.Single(m => m.Id == sent.Id).GetString());
    }

    [ConformanceFact]
    public async Task Amqps_CertificateTheMachineDoesNotTrust_RefusedSayingWhy()
    {
        _node.Require();
        await using var broker = Broker.Connect(_node.ConnectionString("tlsServerName=localhost"));
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("tls-orders", Message.FromString("x")));
        Assert.Equal("tlsCaCertificate", error.Setting);
        Assert.Contains($"127.0.0.1:{_node.Server.TlsPort}", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not trusted by this machine", error.Message, StringComparison.Ordinal);
        Assert.Contains("CN=Omnibus Test CA", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Amqps_CertificateOfAnotherCa_RefusedSayingWhy()
    {
        _node.Require();
        await using var broker = Broker.Connect(_node.ConnectionString($"tlsCaCertificate={_node.OtherCaFile}&tlsServerName=localhost"));
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("tls-orders", Message.FromString("x")));
        Assert.Contains("is not issued by the CA of option tlsCaCertificate ('CN=Omnibus Other CA')", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Amqps_CertificateForAnotherName_RefusedSayingWhy()
    {
        _node.Require();
        await using var broker = Broker.Connect(_node.ConnectionString($"tlsCaCertificate={_node.CaFile}&tlsServerName=rabbit.example"));
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("tls-orders", Message.FromString("x")));
        Assert.Contains("is not issued for the name expected", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Amqps_CaFileMissing_IsAConfigurationErrorAtConnect()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("amqps://h?tlsCaCertificate=/nonexistent/ca.pem"));
        Assert.Equal("tlsCaCertificate", error.Setting);
        Assert.Contains("/nonexistent/ca.pem", error.Message, StringComparison.Ordinal);
    }
}
