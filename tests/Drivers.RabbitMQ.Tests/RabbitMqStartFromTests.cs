using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// StartFrom on amqp://: a new group's queue holds only later messages, so Earliest for a new group is refused at
/// subscribe, and the default (StartPosition.Default) is Latest here.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqStartFromTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqServer _server;

    public RabbitMqStartFromTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task Subscribe_EarliestForANewGroup_RefusedAtSubscribe_NamingTheGroup()
    {
        _server.Require();
        var topic = "start-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var error = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () =>
            await broker.SubscribeAsync(new SubscriptionOptions(topic, "fresh") { StartFrom = StartPosition.Earliest }, (_, _) => default));
        Assert.Equal("StartFrom", error.Setting);
        Assert.Contains("StartFrom = Earliest", error.Message, StringComparison.Ordinal);
        Assert.Contains($"group 'fresh' of topic '{topic}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Latest or Default", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_DefaultStart_IsLatest_AndAnExistingGroupTakesEarliest()
    {
        _server.Require();
        var topic = "start-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        Assert.Equal(StartPosition.Default, new SubscriptionOptions(topic, "g").StartFrom);
        var other = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "other"), (m, _) => { other.Add(m); return default; }))
        {
            var before = Message.FromString("before");
            await broker.PublishAsync(topic, before);
            await other.WaitUntilAsync(items => items.Any(m => m.Id == before.Id), Timeout, "the message published before group g");

            // Default on amqp:// is Latest: g is created now and never sees 'before'.
            var seen = new Recorder<Message>();
            await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; }))
            {
                var after = Message.FromString("after");
                await broker.PublishAsync(topic, after);
                await seen.WaitUntilAsync(items => items.Any(m => m.Id == after.Id), Timeout, "the message published after group g");
                Assert.DoesNotContain(seen.Items, m => m.Id == before.Id);
            }

            // g exists now: Earliest is honoured (it continues where it is) and it gets what arrived while it was closed.
            var parked = Message.FromString("parked");
            await broker.PublishAsync(topic, parked);
            var again = new Recorder<Message>();
            await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { StartFrom = StartPosition.Earliest }, (m, _) => { again.Add(m); return default; }))
            {
                await again.WaitUntilAsync(items => items.Any(m => m.Id == parked.Id), Timeout, "the message parked in g's queue");
            }
        }
    }
}
