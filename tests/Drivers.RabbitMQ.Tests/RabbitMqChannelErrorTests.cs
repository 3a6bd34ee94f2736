using Omnibus.Conformance.Xunit;
using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Failures the client library does not recover from surface on the subscription instead of hanging it.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqChannelErrorTests
{
    private readonly RabbitMqServer _server;

    public RabbitMqChannelErrorTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task GroupQueueDeleted_WhileSubscribed_SubscriptionFaultsNamingTheQueue()
    {
        _server.Require();
        var topic = "deleted-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (_, _) => default);

        await using var connection = await new ConnectionFactory { Port = _server.Port, HostName = "127.0.0.1" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(topic + ":g");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => sub.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(topic + ":g", error.ToString(), StringComparison.Ordinal);
        await sub.DisposeAsync();
    }
}
