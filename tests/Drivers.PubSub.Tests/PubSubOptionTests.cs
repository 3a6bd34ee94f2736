using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.PubSub.Internal;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// Every option the pubsub:// driver cannot honour fails at Connect or Subscribe, naming the option, the value, the
/// driver and what is allowed. The connect-time checks need no emulator.
/// </summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubOptionTests(PubSubEmulator emulator)
{
    private static readonly string ExistingFile = typeof(PubSubOptionTests).Assembly.Location;

    [Theory]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&bogus=1", "bogus", "not supported by the pubsub:// driver")]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&publishLanes=0", "publishLanes", "from 1 to 64")]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&ackDeadline=5s", "ackDeadline", "from 10000ms")]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&ackDeadline=10500ms", "ackDeadline", "whole seconds")]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&deadLetterAttempts=101", "deadLetterAttempts", "from 5 to 100")]
    [InlineData("pubsub://1project?emulator=127.0.0.1:8085", "location", "not a Google Cloud project id")]
    [InlineData("pubsub://proj/sub?emulator=127.0.0.1:8085", "location", "not a Google Cloud project id")]
    [InlineData("pubsub://alice:secret@proj-1?emulator=127.0.0.1:8085", "location", "carries a user or password")]
    [InlineData("pubsub://proj-1?emulator=localhost", "emulator", "not host:port")]
    [InlineData("pubsub://proj-1?emulator=127.0.0.1:8085&credentials=FILE", "credentials", "takes no credentials")]
    [InlineData("pubsub://proj-1?credentials=/no/such/key.json", "credentials", "names no file")]
    [InlineData("pubsub://proj-1?endpoint=http://pubsub.example.com", "endpoint", "not an https:// address")]
    public void Connect_UnsupportedOption_FailsNamingIt(string connectionString, string setting, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString.Replace("FILE", ExistingFile, StringComparison.Ordinal)));
        Assert.Equal(setting, error.Setting, ignoreCase: true);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
        Assert.Contains("pubsub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmulatorHostVariable_IsTheConvention_AndCheckedLikeTheOption()
    {
        var settings = PubSubSettings.Parse(ConnectionString.Parse("pubsub://proj-1"), "127.0.0.1:9999");
        Assert.Equal("http://127.0.0.1:9999", settings.Address);
        Assert.Equal("https://pubsub.googleapis.com", PubSubSettings.Parse(ConnectionString.Parse("pubsub://proj-1"), null).Address);
        Assert.Equal("http://127.0.0.1:1", PubSubSettings.Parse(ConnectionString.Parse("pubsub://proj-1?emulator=127.0.0.1:1"), "127.0.0.1:9999").Address);
        var error = Assert.Throws<OmnibusConfigurationException>(() => PubSubSettings.Parse(ConnectionString.Parse("pubsub://proj-1"), "no-port"));
        Assert.Equal(PubSubSettings.EmulatorHostVariable, error.Setting);
    }

    [Fact]
    public async Task Publish_DeliverAfterOrTimeToLive_Rejected()
    {
        await using var broker = Broker.Connect("pubsub://proj-1?emulator=127.0.0.1:1");
        Assert.False(broker.Features.DelayedDelivery);
        Assert.False(broker.Features.TimeToLive);
        var delayed = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("topic-a", new Message(new byte[] { 1 }) { DeliverAfter = TimeSpan.FromSeconds(1) }));
        Assert.Equal(nameof(Message.DeliverAfter), delayed.Feature);
        var expiring = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("topic-a", new Message(new byte[] { 1 }) { TimeToLive = TimeSpan.FromSeconds(1) }));
        Assert.Equal(nameof(Message.TimeToLive), expiring.Feature);
    }

    [Theory]
    [InlineData("ab", "Topic", "shorter than 3 characters")]
    [InlineData("_orders", "Topic", "does not start with a letter")]
    [InlineData("google-orders", "Topic", "starts with 'goog'")]
    public async Task Subscribe_TopicPubSubCannotName_Rejected(string topic, string setting, string why)
    {
        await using var broker = Broker.Connect("pubsub://proj-1?emulator=127.0.0.1:1");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "group"), (_, _) => default));
        Assert.Equal(setting, error.Setting);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        var publish = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync(topic, new Message(new byte[] { 1 })));
        Assert.Contains(why, publish.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_DeadLetterTopicPubSubCannotName_Rejected()
    {
        await using var broker = Broker.Connect("pubsub://proj-1?emulator=127.0.0.1:1");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("orders", "group") { DeadLetterTopic = "dl" }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.DeadLetterTopic), error.Setting);
    }

    [Fact]
    public async Task Subscribe_MaxDeliveryAttemptsNotBelowThePolicy_Rejected()
    {
        await using var broker = Broker.Connect("pubsub://proj-1?emulator=127.0.0.1:1&deadLetterAttempts=20");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("orders", "group") { MaxDeliveryAttempts = 20 }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.MaxDeliveryAttempts), error.Setting);
        Assert.Contains("up to 19", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_EarliestForANewGroup_Rejected()
    {
        emulator.Require();
        await using var broker = Broker.Connect(emulator.ConnectionString);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(NewTopic(), "fresh") { StartFrom = StartPosition.Earliest }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.StartFrom), error.Setting);
        Assert.Contains("holds only what is published after it was created", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_ByKeyOnAnUnorderedSubscription_Rejected()
    {
        emulator.Require();
        var topic = NewTopic();
        await using var broker = Broker.Connect(emulator.ConnectionString);
        await (await broker.SubscribeAsync(new SubscriptionOptions(topic, "plain"), (_, _) => default)).DisposeAsync();
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "plain") { Ordering = MessageOrdering.ByKey }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.Ordering), error.Setting);
        Assert.Contains("without message ordering", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task CreateTopicsFalse_MissingTopic_SubscribeAndPublishFail()
    {
        emulator.Require();
        var topic = NewTopic();
        await using var broker = Broker.Connect(emulator.ConnectionString + "&createTopics=false");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "group"), (_, _) => default));
        Assert.Equal("createTopics", error.Setting);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
        var publish = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync(topic, new Message(new byte[] { 1 })));
        Assert.Contains("createTopics=false", publish.Message, StringComparison.Ordinal);
    }

    private static string NewTopic() => "options-" + Guid.NewGuid().ToString("N")[..8];
}
