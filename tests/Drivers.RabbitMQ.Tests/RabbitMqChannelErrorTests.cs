using Microsoft.Extensions.Logging;
using Omnibus.Bindings.Tests;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>A consumer the broker takes away surfaces as a lost source, and the core opens a new one.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqChannelErrorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqServer _server;

    public RabbitMqChannelErrorTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task GroupQueueDeleted_WhileSubscribed_ConsumerLostNamingTheQueue_ReopenedAndLaterMessagesHandled()
    {
        _server.Require();
        var topic = "deleted-" + Guid.NewGuid().ToString("N")[..8];
        var sink = new LogSink();
        using var logging = new LoggerFactory([sink]);
        await using var broker = Broker.Connect(_server.ConnectionString, new BrokerClientOptions { LoggerFactory = logging });
        var seen = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m.GetString()); return default; });

        await using var connection = await new ConnectionFactory { Port = _server.Port, HostName = "127.0.0.1" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(topic + ":g");

        await sink.Events.WaitUntilAsync(e => e.Any(x => x.Id.Id == 5106 && x.Text.Contains(topic + ":g", StringComparison.Ordinal)), Timeout, "the driver logs the lost consumer with its queue");
        await sink.Events.WaitUntilAsync(e => e.Any(x => x.Id.Id == 1012 && x.Text.Contains(topic, StringComparison.Ordinal)), Timeout, "the core resubscribes");
        await broker.PublishAsync(topic, Message.FromString("after"));
        await seen.WaitUntilAsync(s => s.Contains("after"), Timeout, "the message published after the reopen is handled");
        Assert.False(sub.Completion.IsCompleted);
    }
}
