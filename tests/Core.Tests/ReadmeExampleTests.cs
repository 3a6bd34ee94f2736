using Omnibus.Conformance;
using Xunit;

namespace Omnibus.Tests;

/// <summary>The README's example, as written there, plus the checks that it does what the README says.</summary>
public sealed class ReadmeExampleTests
{
    private sealed record Order(string Id);

    private sealed record Shipment(string OrderId);

    [Fact]
    public async Task ReadmeExample_OrderIn_ShipmentOutWithKeyKept()
    {
        var shipments = new Recorder<Message>();
        var keys = new Recorder<string?>();

        await using var broker = Broker.Connect("memory://");
        await using var audit = await broker.SubscribeAsync(new SubscriptionOptions("shipments", "audit"), (m, _) => { shipments.Add(m); return default; });

        // From the README:
        await using var shipping = await broker.SubscribeAsync(
            new SubscriptionOptions("orders", group: "shipping") { Concurrency = 16, Ordering = MessageOrdering.ByKey },
            async (message, cancellationToken) =>
            {
                keys.Add(message.Key);
                var order = message.GetBody<Order>();
                await broker.PublishAsync("shipments", Message.From(new Shipment(order.Id)), cancellationToken);
            });

        await broker.PublishAsync("orders", Message.From(new Order("A17"), key: "customer-42"));

        await shipments.WaitForCountAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(new Shipment("A17"), shipments.Items[0].GetBody<Shipment>());
        Assert.Equal("customer-42", Assert.Single(keys.Items));
    }
}
