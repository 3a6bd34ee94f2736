using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>
/// Every option the nats:// driver cannot honour fails at Connect or Subscribe, naming the option, the value, the
/// driver and what is allowed. The connect-time checks need no server.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class NatsOptionTests(NatsServer server)
{
    private static readonly string ExistingFile = typeof(NatsOptionTests).Assembly.Location;

    [Theory]
    [InlineData("nats://127.0.0.1:4222?bogus=1", "bogus", "not supported by the nats:// driver")]
    [InlineData("nats://127.0.0.1:4222?replicas=9", "replicas", "from 1 to 5")]
    [InlineData("nats://127.0.0.1:4222?storage=disk", "storage", "one of file, memory")]
    [InlineData("nats://127.0.0.1:4222/some/path", "location", "has a path")]
    [InlineData("nats://alice@127.0.0.1:4222", "password", "without a password")]
    [InlineData("nats://alice:secret@127.0.0.1:4222?token=t0k", "token", "one way of authenticating")]
    [InlineData("nats://127.0.0.1:4222?token=t0k&creds=CREDS", "creds", "one way of authenticating")]
    [InlineData("nats://127.0.0.1:4222?creds=/no/such/file.creds", "creds", "names no file")]
    [InlineData("nats://127.0.0.1:4222?nkey=/no/such/seed.nk", "nkey", "names no file")]
    [InlineData("nats://127.0.0.1:4222?tlsCa=CREDS", "tlsCa", "needs TLS")]
    [InlineData("nats://127.0.0.1:4222?tls=false&tlsInsecure=true", "tlsInsecure", "needs TLS")]
    [InlineData("nats://127.0.0.1:4222?tls=true&tlsCert=CREDS", "tlsCert", "without its pair")]
    [InlineData("nats://127.0.0.1:4222?tls=true&tlsCa=/no/such/ca.pem", "tlsCa", "names no file")]
    [InlineData("nats://127.0.0.1:4222?streamPrefix=my.streams", "streamPrefix", "without '.'")]
    [InlineData("nats://127.0.0.1:4222?maxAge=1m&duplicateWindow=2m", "duplicateWindow", "no longer than maxAge")]
    public void Connect_UnsupportedOption_FailsNamingIt(string connectionString, string setting, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString.Replace("CREDS", ExistingFile, StringComparison.Ordinal)));
        Assert.Equal(setting, error.Setting, ignoreCase: true);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
        Assert.Contains("nats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_OrderingByKey_RejectedBecauseMembersDoNotKeepKeyOrder()
    {
        await using var broker = Broker.Connect("nats://127.0.0.1:4222");
        Assert.False(broker.Features.KeyOrdering);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { Ordering = MessageOrdering.ByKey }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.Ordering), error.Setting);
        Assert.Contains("nats://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_DeliverAfterOrTimeToLive_RejectedOnServer29()
    {
        await using var broker = Broker.Connect("nats://127.0.0.1:4222");
        Assert.False(broker.Features.DelayedDelivery);
        Assert.False(broker.Features.TimeToLive);
        var delayed = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("t", new Message(new byte[] { 1 }) { DeliverAfter = TimeSpan.FromSeconds(1) }));
        Assert.Equal(nameof(Message.DeliverAfter), delayed.Feature);
        var expiring = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("t", new Message(new byte[] { 1 }) { TimeToLive = TimeSpan.FromSeconds(1) }));
        Assert.Equal(nameof(Message.TimeToLive), expiring.Feature);
    }

    [ConformanceFact]
    public async Task CreateStreamsFalse_TopicWithoutStream_SubscribeAndPublishFail()
    {
        server.Require();
        var topic = "nostream-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString + "&createStreams=false");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (_, _) => default));
        Assert.Equal("createStreams", error.Setting);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
        var publish = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync(topic, new Message(new byte[] { 1 })));
        Assert.Contains("createStreams=false", publish.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public Task Subscribe_GroupIsAPushConsumer_Rejected() => GroupOfAForeignConsumerAsync("push", "push consumer");

    [ConformanceFact]
    public Task Subscribe_GroupConsumerAcksAll_Rejected() => GroupOfAForeignConsumerAsync("ackall", "ack policy is All");

    [ConformanceFact]
    public Task Subscribe_GroupConsumerFiltersAnotherSubject_Rejected() => GroupOfAForeignConsumerAsync("filter", "which filters subject");

    /// <summary>An operator's consumer already has the name the group maps to, with settings the driver cannot pull from.</summary>
    private async Task GroupOfAForeignConsumerAsync(string kind, string reason)
    {
        server.Require();
        var topic = $"{kind}-" + Guid.NewGuid().ToString("N")[..8];
        var stream = "FOREIGN_" + topic.Replace('-', '_');
        await using var plain = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = server.Url });
        var js = new NatsJSContext(plain);
        await js.CreateStreamAsync(new StreamConfig(stream, [topic, topic + ".other"]) { Storage = StreamConfigStorage.Memory });
        // The driver names the group's consumer "audit__<topic>" on a stream shared by several subjects.
        var name = "audit__" + topic;
        var config = kind switch
        {
            "push" => new ConsumerConfig(name) { DurableName = name, DeliverSubject = "audit.inbox", FilterSubject = topic },
            "ackall" => new ConsumerConfig(name) { DurableName = name, AckPolicy = ConsumerConfigAckPolicy.All, FilterSubject = topic },
            _ => new ConsumerConfig(name) { DurableName = name, FilterSubject = topic + ".other" },
        };
        await js.CreateOrUpdateConsumerAsync(stream, config);

        await using var broker = Broker.Connect(server.ConnectionString);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "audit"), (_, _) => default));
        Assert.Equal("Group", error.Setting);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
