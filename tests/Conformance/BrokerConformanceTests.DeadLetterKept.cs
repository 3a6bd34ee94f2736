using Omnibus.Conformance.Xunit;
using Omnibus.Middleware;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// Scenario 4b: a dead letter is kept although nothing subscribes to the dead-letter topic when the poison message
/// fails its last attempt (the usual case), and the original is acknowledged once it is.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task DeadLetter_NobodySubscribedToTheDeadLetterTopic_IsKeptForTheReplayGroup()
    {
        var (topic, group, poison) = await DeadLetterWithNobodyWatchingAsync();

        // The group the CLI's and the HTTP API's replay read as: it did not exist when the dead letter was published.
        var dead = new Recorder<Message>();
        var replayGroup = new DeadLetterReplayOptions().Group;
        await using (await Broker.SubscribeAsync(Options(topic + ".dlq", replayGroup) with { StartFrom = StartPosition.Earliest }, (m, _) => { dead.Add(m); return default; }))
        {
            await dead.WaitUntilAsync(items => items.Any(m => m.Id == poison.Id), Timeout, $"dead letter {poison.Id} in {topic}.dlq for group {replayGroup}");
        }

        AssertDeadLetterOf(poison, topic, group, dead.Items.First(m => m.Id == poison.Id));
        await AssertOriginalAcknowledgedAsync(topic, group, poison);
    }

    [ConformanceFact]
    public async Task DeadLetter_NobodySubscribedToTheDeadLetterTopic_IsFoundByANewGroupFromEarliest()
    {
        RequireFeature(f => f.Replay, nameof(BrokerFeatures.Replay));
        var (topic, group, poison) = await DeadLetterWithNobodyWatchingAsync();
        var dead = new Recorder<Message>();
        await using (await Broker.SubscribeAsync(Options(topic + ".dlq") with { StartFrom = StartPosition.Earliest }, (m, _) => { dead.Add(m); return default; }))
        {
            await dead.WaitUntilAsync(items => items.Any(m => m.Id == poison.Id), Timeout, $"dead letter {poison.Id} in {topic}.dlq for a new group");
        }

        AssertDeadLetterOf(poison, topic, group, dead.Items.First(m => m.Id == poison.Id));
    }

    /// <summary>
    /// Publishes one poison message and lets it fail its 2 attempts with nothing subscribed to the dead-letter topic;
    /// returns once the subscription closed, which waits for the dead-letter publish and the settlement.
    /// </summary>
    private async Task<(string Topic, string Group, Message Poison)> DeadLetterWithNobodyWatchingAsync()
    {
        var topic = NewName("unwatched");
        var group = NewName("g");
        var attempts = new Recorder<Message>();
        var poison = Text("poison", key: "k-poison");
        poison.Headers["origin"] = "test";
        await using (await Broker.SubscribeAsync(Options(topic, group) with { MaxDeliveryAttempts = 2 }, (m, _) =>
        {
            attempts.Add(m);
            throw new InvalidOperationException($"poison {m.Id}");
        }))
        {
            await Broker.PublishAsync(topic, poison);
            await attempts.WaitForCountAsync(2, Timeout);
        }

        Assert.All(attempts.Items, m => Assert.Equal(poison.Id, m.Id));
        return (topic, group, poison);
    }

    private static void AssertDeadLetterOf(Message original, string topic, string group, Message dead)
    {
        Assert.Equal(typeof(InvalidOperationException).FullName, dead.GetHeader(HeaderNames.ErrorType));
        Assert.Equal($"poison {original.Id}", dead.GetHeader(HeaderNames.ErrorMessage));
        Assert.Equal("2", dead.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal(topic, dead.GetHeader(HeaderNames.OriginalTopic));
        Assert.Equal(group, dead.GetHeader(HeaderNames.OriginalGroup));
        Assert.Equal("test", dead.GetHeader("origin"));
        Assert.Equal(original.GetString(), dead.GetString());
        Assert.Equal(original.Key, dead.Key);
    }

    /// <summary>The group, subscribed again, is not handed the dead-lettered original (it was acknowledged).</summary>
    private async Task AssertOriginalAcknowledgedAsync(string topic, string group, Message poison)
    {
        var again = new Recorder<Message>();
        await using (await Broker.SubscribeAsync(Options(topic, group), (m, _) => { again.Add(m); return default; }))
        {
            await BarrierAsync(topic, again);
        }

        Assert.DoesNotContain(again.Items, m => m.Id == poison.Id);
    }
}
