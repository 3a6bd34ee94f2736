using Xunit;

namespace Omnibus.Tests;

public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Validate_ConcurrencyOutOfRange_NamesSettingValueAndRange(int concurrency)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => new SubscriptionOptions("t", "g") { Concurrency = concurrency }.Validate());
        Assert.Equal("Concurrency", e.Setting);
        Assert.Contains($"'{concurrency}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("from 1 to 10000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void Validate_BadTopicName_NamesTheRules(string topic)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => new SubscriptionOptions(topic, "g").Validate());
        Assert.Equal("Topic", e.Setting);
        Assert.Contains("letters, digits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DeadLetterTopicIsTheTopic_Fails()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => new SubscriptionOptions("t", "g") { DeadLetterTopic = "t" }.Validate());
        Assert.Equal("DeadLetterTopic", e.Setting);
    }

    [Fact]
    public void Validate_BackoffMaxBelowInitial_Fails()
    {
        var options = new SubscriptionOptions("t", "g") { Backoff = new RetryBackoff { Initial = TimeSpan.FromSeconds(2), Max = TimeSpan.FromSeconds(1) } };
        Assert.Equal("Backoff.Max", Assert.Throws<OmnibusConfigurationException>(options.Validate).Setting);
    }

    [Fact]
    public async Task SubscribeBatch_WithKeyOrdering_FailsAtStart()
    {
        await using var broker = Broker.Connect("memory://");
        var options = new SubscriptionOptions("t", "g") { Ordering = MessageOrdering.ByKey };
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeBatchAsync(options, (_, _) => default));
        Assert.Equal("Ordering", e.Setting);
    }

    [Fact]
    public async Task Publish_BadTopic_FailsNamingIt()
    {
        await using var broker = Broker.Connect("memory://");
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("bad topic", new Message()));
        Assert.Contains("'bad topic'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_AfterDispose_ThrowsClosed()
    {
        var broker = Broker.Connect("memory://");
        await broker.DisposeAsync();
        await Assert.ThrowsAsync<BrokerClosedException>(async () => await broker.PublishAsync("t", new Message()));
    }

    [Fact]
    public void DelayAfter_GrowsExponentiallyWithinJitterAndCaps()
    {
        var backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(100), Max = TimeSpan.FromSeconds(1), Multiplier = 2 };
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(backoff.DelayAfter(1).TotalMilliseconds, 50, 100);
            Assert.InRange(backoff.DelayAfter(3).TotalMilliseconds, 200, 400);
            Assert.InRange(backoff.DelayAfter(30).TotalMilliseconds, 500, 1000);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(400), (backoff with { Jitter = false }).DelayAfter(3));
        Assert.Equal(TimeSpan.Zero, RetryBackoff.None.DelayAfter(5));
    }
}
