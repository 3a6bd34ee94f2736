using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Omnibus.Worker;

namespace Omnibus.Samples.FunctionApp.Isolated;

/// <summary>orders → validate → shipments (batched) → shipped, and a watcher of the dead-letter topic.</summary>
public static class OrderFunctions
{
    /// <summary>
    /// Validates an order and publishes its shipment, keyed by customer. An invalid order throws: it is retried with a
    /// growing delivery attempt, then dead-lettered to orders.dlq; a body that is not JSON is dead-lettered too.
    /// Nothing is published for a failed order, and the order is acknowledged only once the shipment was accepted.
    /// </summary>
    [Function("ValidateOrder")]
    [BrokerOutput("%ShipmentsTopic%", Key = "{CustomerId}", CorrelationId = "{OrderId}")]
    public static Shipment ValidateOrder([BrokerTrigger("orders", OrderBy = OrderBy.Key)] Order order, FunctionContext context)
    {
        var log = context.GetLogger("Omnibus.Samples.ValidateOrder");
        var attempt = context.BindingContext.BindingData.TryGetValue(BindingDataNames.DeliveryAttempt, out var value) ? value : "?";
        if (order.Amount <= 0 || order.Items is not { Length: > 0 })
        {
            log.LogWarning("Order {OrderId} rejected on attempt {Attempt}: amount {Amount}, {ItemCount} items", order.OrderId, attempt, order.Amount, order.Items?.Length ?? 0);
            throw new InvalidOrderException($"Order {order.OrderId} needs a positive amount and at least one item.");
        }

        log.LogInformation("Order {OrderId} of customer {CustomerId} valid: {Amount} for {ItemCount} items", order.OrderId, order.CustomerId, order.Amount, order.Items.Length);
        return new Shipment(order.OrderId, order.CustomerId, order.Items.Length);
    }

    /// <summary>
    /// Ships in batches (up to 10 shipments, or whatever arrived within half a second) and publishes one message per
    /// shipment to <c>shipped</c>, each with its own key and headers.
    /// </summary>
    [Function("ShipBatch")]
    [BrokerOutput("shipped")]
    public static BrokerMessage[] ShipBatch([BrokerTrigger("%ShipmentsTopic%", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.500")] Shipment[] shipments, FunctionContext context)
    {
        context.GetLogger("Omnibus.Samples.ShipBatch").LogInformation("Shipping a batch of {Count} shipments: {OrderIds}", shipments.Length, string.Join(", ", shipments.Select(s => s.OrderId)));
        return [.. shipments.Select(s => new BrokerMessage($"shipped {s.OrderId}")
        {
            Key = s.OrderId,
            Headers = new Dictionary<string, string> { ["customer"] = s.CustomerId, ["batch-size"] = shipments.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        })];
    }

    /// <summary>Shows why each dead-lettered order failed, from the headers the dead-letter copy carries.</summary>
    [Function("DeadLetters")]
    public static void DeadLetters([BrokerTrigger("orders.dlq")] BrokerMessage message, FunctionContext context) =>
        context.GetLogger("Omnibus.Samples.DeadLetters").LogError(
            "Dead-lettered message {MessageId} from {OriginalTopic} after {Attempts} attempts: {ErrorType}: {ErrorMessage} (body: {Body})",
            message.Id,
            message.Headers.TryGetValue("omnibus-original-topic", out var topic) ? topic : null,
            message.Headers.TryGetValue("omnibus-delivery-attempts", out var attempts) ? attempts : null,
            message.Headers.TryGetValue("omnibus-error-type", out var type) ? type : null,
            message.Headers.TryGetValue("omnibus-error-message", out var error) ? error : null,
            message.GetString());
}
