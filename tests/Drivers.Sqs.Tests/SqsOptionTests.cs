using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>
/// Every option the sqs:// driver cannot honour fails at Connect or Subscribe, naming the option, the value, the
/// driver and what is allowed. The connect-time checks need no endpoint.
/// </summary>
[Collection(SqsCollection.Name)]
public sealed class SqsOptionTests(FauxqsServer server)
{
    [Theory]
    [InlineData("sqs://?bogus=1", "bogus", "not supported by the sqs:// driver")]
    [InlineData("sqs://127.0.0.1:4566", "region", "'sqs://<region>'")]
    [InlineData("sqs://?endpoint=127.0.0.1:4566", "endpoint", "absolute http:// or https:// URL")]
    [InlineData("sqs://?endpoint=ftp://127.0.0.1", "endpoint", "absolute http:// or https:// URL")]
    [InlineData("sqs://?accessKeyId=AKIDEXAMPLE", "accessKeyId", "without its pair")]
    [InlineData("sqs://?secretAccessKey=hush", "secretAccessKey", "without its pair")]
    [InlineData("sqs://?waitTime=1500ms", "waitTime", "whole seconds")]
    [InlineData("sqs://?waitTime=21s", "waitTime", "0ms to 20000ms")]
    [InlineData("sqs://?visibilityTimeout=2500ms", "visibilityTimeout", "whole seconds")]
    [InlineData("sqs://?visibilityTimeout=13h", "visibilityTimeout", "1000ms to 43200000ms")]
    [InlineData("sqs://?maxMessageSize=2000000", "maxMessageSize", "from 1024 to 1048576")]
    public void Connect_UnsupportedOption_FailsNamingIt(string connectionString, string setting, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString));
        Assert.Equal(setting, error.Setting, ignoreCase: true);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
        Assert.Contains("sqs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_SecretAccessKey_NeverPrinted()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("sqs://?secretAccessKey=hush-hush&waitTime=1500ms"));
        Assert.DoesNotContain("hush-hush", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hush-hush", ConnectionString.Parse("sqs://?accessKeyId=a&secretAccessKey=hush-hush").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_OrderingByKey_RejectedBecauseStandardQueuesKeepNoOrder()
    {
        await using var broker = Broker.Connect("sqs://?endpoint=http://127.0.0.1:9");
        Assert.False(broker.Features.KeyOrdering);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { Ordering = MessageOrdering.ByKey }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.Ordering), error.Setting);
        Assert.Contains("sqs://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_StartFromLatest_RejectedBecauseAQueueHandsOverWhatItHolds()
    {
        await using var broker = Broker.Connect("sqs://?endpoint=http://127.0.0.1:9");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { StartFrom = StartPosition.Latest }, (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.StartFrom), error.Setting);
        Assert.Contains("Allowed is Earliest or Default", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_SecondGroupOnATopic_RejectedNamingTheFirst()
    {
        server.Require();
        await using var broker = Broker.Connect(server.ConnectionString);
        var topic = "groups-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await broker.SubscribeAsync(new SubscriptionOptions(topic, "billing"), (_, _) => default);
        await using var sameGroup = await broker.SubscribeAsync(new SubscriptionOptions(topic, "billing"), (_, _) => default);
        await using var other = Broker.Connect(server.ConnectionString);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await other.SubscribeAsync(new SubscriptionOptions(topic, "shipping"), (_, _) => default));
        Assert.Equal(nameof(SubscriptionOptions.Group), error.Setting);
        Assert.Contains("consumed by group 'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no fan-out", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_CreateQueuesFalse_TopicWithoutQueue_Rejected()
    {
        server.Require();
        await using var broker = Broker.Connect(server.ConnectionString + "&createQueues=false");
        var topic = "absent-" + Guid.NewGuid().ToString("N")[..8];
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (_, _) => default));
        Assert.Equal("createQueues", error.Setting);
        Assert.Contains($"has no SQS queue '{topic}'", error.Message, StringComparison.Ordinal);
        var publish = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync(topic, Message.FromString("x")));
        Assert.Contains("createQueues=false", publish.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_TopicLongerThanAQueueName_Rejected()
    {
        await using var broker = Broker.Connect("sqs://?endpoint=http://127.0.0.1:9");
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(new string('t', 81), "g"), (_, _) => default));
        Assert.Equal("Topic", error.Setting);
        Assert.Contains("allowed are 1 to 80", error.Message, StringComparison.Ordinal);
    }
}
