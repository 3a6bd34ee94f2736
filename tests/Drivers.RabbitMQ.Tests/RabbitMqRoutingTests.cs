using System.Text;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Per-message routing keys and headers, seen both by plain AMQP clients and by Omnibus consumers.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqRoutingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqServer _server;

    public RabbitMqRoutingTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task Publish_RoutingKeyPerMessage_ReachesMatchingBindingsWithHeaders_KeyKept()
    {
        _server.Require();
        var topic = "routing-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var omnibusSeen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "all"), (m, _) => { omnibusSeen.Add(m); return default; });

        // A plain AMQP queue bound to European orders only.
        await using var connection = await new ConnectionFactory { Port = _server.Port, HostName = "127.0.0.1" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var euQueue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        await channel.QueueBindAsync(euQueue, topic, "eu.#");
        var euSeen = new Recorder<BasicDeliverEventArgs>();
        var euBodies = new Recorder<string>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) => { euSeen.Add(e); euBodies.Add(Encoding.UTF8.GetString(e.Body.Span)); return Task.CompletedTask; };
        await channel.BasicConsumeAsync(euQueue, autoAck: true, consumer);

        var eu = new Message(Encoding.UTF8.GetBytes("eu-order")) { Key = "customer-1" };
        eu.Headers[RabbitMqHeaders.RoutingKey] = "eu.orders.created";
        eu.Headers["tenant"] = "acme";
        var us = new Message(Encoding.UTF8.GetBytes("us-order")) { Key = "customer-2" };
        us.Headers[RabbitMqHeaders.RoutingKey] = "us.orders.created";
        var plain = new Message(Encoding.UTF8.GetBytes("eu-by-key")) { Key = "eu.by-key" };
        await broker.PublishAsync(topic, eu);
        await broker.PublishAsync(topic, us);
        await broker.PublishAsync(topic, plain);

        await omnibusSeen.WaitForCountAsync(3, Timeout);
        await euSeen.WaitForCountAsync(2, Timeout);
        Assert.Equal(["eu-order", "eu-by-key"], euBodies.Items);
        Assert.Equal("eu.orders.created", euSeen.Items[0].RoutingKey);
        Assert.Equal("acme", Encoding.UTF8.GetString((byte[])euSeen.Items[0].BasicProperties.Headers!["tenant"]!));
        Assert.False(euSeen.Items[0].BasicProperties.Headers!.ContainsKey(RabbitMqHeaders.RoutingKey));
        Assert.Equal("eu.by-key", euSeen.Items[1].RoutingKey);

        var got = omnibusSeen.Items.ToDictionary(m => m.GetString());
        Assert.Equal("customer-1", got["eu-order"].Key);
        Assert.Equal("acme", got["eu-order"].GetHeader("tenant"));
        Assert.Null(got["eu-order"].GetHeader(RabbitMqHeaders.RoutingKey));
        Assert.Equal("customer-2", got["us-order"].Key);
        Assert.Equal("eu.by-key", got["eu-by-key"].Key);
    }

    [ConformanceFact]
    public async Task Consume_MessageFromPlainAmqpPublisher_KeyIsRoutingKey_HeadersAndPropertiesMapped()
    {
        _server.Require();
        var topic = "foreign-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; });

        await using var connection = await new ConnectionFactory { Port = _server.Port, HostName = "127.0.0.1" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties
        {
            MessageId = "foreign-1",
            ContentType = "application/json",
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = new Dictionary<string, object?> { ["text"] = Encoding.UTF8.GetBytes("v"), ["number"] = 42, ["flag"] = true },
        };
        await channel.BasicPublishAsync(topic, "orders.eu", mandatory: false, properties, Encoding.UTF8.GetBytes("{}"));

        await seen.WaitForCountAsync(1, Timeout);
        var m = seen.Items[0];
        Assert.Equal("foreign-1", m.Id);
        Assert.Equal("orders.eu", m.Key);
        Assert.Equal("application/json", m.ContentType);
        Assert.Equal("v", m.GetHeader("text"));
        Assert.Equal("42", m.GetHeader("number"));
        Assert.Equal("True", m.GetHeader("flag"));
        Assert.Equal(1, m.DeliveryAttempt);
    }
}
