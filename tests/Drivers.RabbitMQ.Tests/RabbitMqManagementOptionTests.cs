using Omnibus.Drivers.RabbitMQ.Internal;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>The <c>management</c> option and the mapping of the management API's lists to topics and groups; no server needed.</summary>
public sealed class RabbitMqManagementOptionTests
{
    [Theory]
    [InlineData("amqp://u:p@rabbit1:5000,rabbit2/prod?management=auto", "http://rabbit1:15672/")]
    [InlineData("amqps://rabbit/?management=AUTO", "https://rabbit:15671/")]
    [InlineData("amqp://h?management=http://mgmt.local:8080", "http://mgmt.local:8080/")]
    [InlineData("amqp://h?management=https://proxy/rabbitmq", "https://proxy/rabbitmq/")]
    [InlineData("amqp://h?management=http%3A%2F%2F127.0.0.1%3A15672%2F", "http://127.0.0.1:15672/")]
    public void Parse_Management_BaseUrlEndingInSlash(string connectionString, string expected)
    {
        Assert.Equal(new Uri(expected), RabbitMqSettings.Parse(ConnectionString.Parse(connectionString)).Management);
    }

    [Fact]
    public void Parse_NoManagement_AdminStaysOnPlainAmqp()
    {
        Assert.Null(RabbitMqSettings.Parse(ConnectionString.Parse("amqp://h")).Management);
        Assert.Null(RabbitMqSettings.Parse(ConnectionString.Parse("amqp://h")).CreateManagementApi());
    }

    [Theory]
    [InlineData("amqp://h?management=")]
    [InlineData("amqp://h?management=yes")]
    [InlineData("amqp://h?management=ftp://h:15672")]
    [InlineData("amqp://h?management=mgmt.local:15672")]
    [InlineData("amqp://h?management=http://h:15672/%3Fsort%3Dname")]
    public void Connect_ManagementNotAnHttpBaseUrl_RejectedAtConnect(string connectionString)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect(connectionString));
        Assert.Equal("management", e.Setting);
        Assert.Contains("'auto' or the management API's base URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_CredentialsInTheManagementUrl_RejectedWithoutQuotingThem()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("amqp://h?management=http://admin:hunter2@h:15672"));
        Assert.Equal("management", e.Setting);
        Assert.Contains("holds credentials", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orders:billing", "orders", "billing")]
    [InlineData("a.b-c_d:g-1", "a.b-c_d", "g-1")]
    public void TryParseGroupQueue_GroupQueueName_TopicAndGroup(string queue, string topic, string group)
    {
        Assert.Equal(queue, Names.GroupQueue(topic, group));
        Assert.True(Names.TryParseGroupQueue(queue, out var t, out var g));
        Assert.Equal((topic, group), (t, g));
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("orders:billing:x")]
    [InlineData(":billing")]
    [InlineData("orders:bil ling")]
    [InlineData("omnibus:retry:orders:billing:1000")]
    public void TryParseGroupQueue_OtherQueue_False(string queue) => Assert.False(Names.TryParseGroupQueue(queue, out _, out _));

    [Fact]
    public void TryParseTtlQueues_NamesTheDriverMakes_RoundTrip()
    {
        Assert.True(Names.TryParseRetryQueue(Names.RetryQueue("orders", "billing", 1200), out var topic, out var group));
        Assert.Equal(("orders", "billing"), (topic, group));
        Assert.True(Names.TryParseDelayQueue(Names.DelayQueue("orders", 60_000), out topic));
        Assert.Equal("orders", topic);
        Assert.False(Names.TryParseRetryQueue("omnibus:retry:orders:billing:soon", out _, out _));
        Assert.False(Names.TryParseDelayQueue("omnibus:retry:orders:1200", out _));
    }

    [Fact]
    public void Snapshot_Groups_LagIsReadyUnackedRetryAndDelay_DeadLetteredFromTheDlqTopic()
    {
        var snapshot = new ManagementSnapshot(
            [new("orders", "topic", false, 40), new("orders.dlq", "topic", false, 2)],
            [
                new("orders:billing", Ready: 5, Unacknowledged: 2, Consumers: 3, Bytes: 700),
                new("orders:audit", Ready: 1, Unacknowledged: 0, Consumers: 0, Bytes: 100),
                new(Names.RetryQueue("orders", "billing", 1000), Ready: 4, Unacknowledged: 0, Consumers: 0, Bytes: 40),
                new(Names.RetryQueue("orders", "billing", 60_000), Ready: 1, Unacknowledged: 0, Consumers: 0, Bytes: 10),
                new(Names.RetryQueue("orders", "audit", 1000), Ready: 9, Unacknowledged: 0, Consumers: 0, Bytes: 90),
                new(Names.DelayQueue("orders", 5000), Ready: 3, Unacknowledged: 0, Consumers: 0, Bytes: 30),
                new("orders.dlq:keep", Ready: 2, Unacknowledged: 0, Consumers: 0, Bytes: 20),
            ]);

        Assert.Equal(
            [new GroupInfo("orders", "audit", 1 + 9 + 3, 0, 2, 0), new GroupInfo("orders", "billing", 5 + 2 + 4 + 1 + 3, 2, 2, 3)],
            snapshot.Groups("orders"));
        Assert.Equal(15, snapshot.Backlog("orders", "billing"));
        Assert.Null(snapshot.Backlog("orders", "shipping"));
        Assert.Equal(["orders", "orders", "orders.dlq"], snapshot.Groups(null).Select(g => g.Topic));
    }

    [Fact]
    public void Snapshot_Topics_TopicExchangesOnlyWithTheirGroupsMessages()
    {
        var snapshot = new ManagementSnapshot(
            [
                new("", "direct", false, null), new("amq.topic", "topic", false, null), new("amq.rabbitmq.trace", "topic", true, null),
                new("legacy", "fanout", false, 9), new("zeta", "topic", false, null), new("orders", "topic", false, 12),
            ],
            [new("orders:a", 3, 1, 1, 40), new("orders:b", 2, 0, 0, null), new("unrelated-queue", 50, 0, 0, 5000)]);

        Assert.Equal(
            [new TopicInfo("orders", 6, null, 12, 1), new TopicInfo("zeta", 0, 0, 0, 1)],
            snapshot.Topics());
    }

    [Fact]
    public void Snapshot_QueueNotSampledYet_CountsAsNothingRatherThanFailing()
    {
        var snapshot = new ManagementSnapshot([new("t", "topic", false, null)], [new("t:g", null, null, null, null)]);

        Assert.Equal(new GroupInfo("t", "g", 0, 0, 0, 0), Assert.Single(snapshot.Groups("t")));
        Assert.Equal(new TopicInfo("t", 0, null, 0, 1), Assert.Single(snapshot.Topics()));
    }
}
