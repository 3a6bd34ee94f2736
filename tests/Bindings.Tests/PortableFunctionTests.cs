using Microsoft.Azure.WebJobs;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

/// <summary>The function of the README, written once: every broker's test runs this very class.</summary>
public sealed class PortableShipping(Probe probe)
{
    [FunctionName("PortableShip")]
    public async Task Ship(
        [BrokerTrigger("%PortableOrders%", Group = "shipping", MaxDeliveryAttempts = 2)] Order order,
        [Broker("%PortableShipments%")] IAsyncCollector<Message> shipments,
        int deliveryAttempt)
    {
        probe.Get<(string, int)>("attempts").Add((order.OrderId, deliveryAttempt));
        if (order.Amount <= 0)
        {
            throw new InvalidOperationException($"order {order.OrderId} has no amount");
        }

        var shipment = Message.From(new Order(order.OrderId, order.Amount, "shipped"), key: order.OrderId);
        await shipments.AddAsync(shipment);
    }
}

/// <summary>
/// A <c>[BrokerTrigger]</c> function with a <c>[Broker]</c> output on a real WebJobs host, against the broker that
/// <see cref="ConnectionString"/> names: the embedded broker here, Kafka and RabbitMQ in their driver's test project.
/// Only the connection string differs between them.
/// </summary>
public abstract class PortableFunctionTests
{
    /// <summary>The broker to run on.</summary>
    protected abstract string ConnectionString { get; }

    /// <summary>How long to wait for the outcome (a Kafka group join takes seconds).</summary>
    protected virtual TimeSpan Timeout => TestHost.Timeout;

    [ConformanceFact] // a broker that cannot run on this laptop skips (never in CI)
    public async Task Function_AcksOnSuccess_PublishesItsOutput_AndDeadLettersAFailingMessageAfterItsAttempts()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var orders = $"portable-orders-{run}";
        var shipmentsTopic = $"portable-shipments-{run}";
        var settings = new Dictionary<string, string?> { ["PortableOrders"] = orders, ["PortableShipments"] = shipmentsTopic };
        await using var host = await TestHost.StartAsync([typeof(PortableShipping)], settings, connectionString: ConnectionString);
        var shipments = await host.WatchAsync(shipmentsTopic);
        var dead = await host.WatchAsync(orders + ".dlq");

        for (var i = 1; i <= 5; i++)
        {
            await host.Broker.PublishAsync(orders, Message.From(new Order($"o{i}", i * 10m), key: $"o{i}"));
        }

        await host.Broker.PublishAsync(orders, Message.From(new Order("bad", 0m), key: "bad"));

        await shipments.WaitForCountAsync(5, Timeout);
        await dead.WaitForCountAsync(1, Timeout);
        Assert.Equal(["o1", "o2", "o3", "o4", "o5"], shipments.Items.Select(m => m.GetBody<Order>()!.OrderId).Order());
        Assert.All(shipments.Items, m => Assert.Equal("shipped", m.GetBody<Order>()!.Customer));
        Assert.All(shipments.Items, m => Assert.Equal(m.GetBody<Order>()!.OrderId, m.Key));
        Assert.Equal("bad", dead.Items[0].GetBody<Order>()!.OrderId);
        Assert.Equal("2", dead.Items[0].GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal("order bad has no amount", dead.Items[0].GetHeader(HeaderNames.ErrorMessage));
        Assert.Equal([1, 2], host.Probe.Get<(string Id, int Attempt)>("attempts").Items.Where(a => a.Id == "bad").Select(a => a.Attempt).Order());
        Assert.All(host.Probe.Get<(string Id, int Attempt)>("attempts").Items.Where(a => a.Id != "bad"), a => Assert.Equal(1, a.Attempt));
    }
}

/// <summary>The portable function on the default broker, <c>embedded://</c>.</summary>
public sealed class EmbeddedPortableFunctionTests : PortableFunctionTests, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("omnibus-portable-").FullName;

    protected override string ConnectionString => $"embedded://{_directory}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
