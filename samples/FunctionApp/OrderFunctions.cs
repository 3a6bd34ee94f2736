using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Logging;
using Omnibus.Bindings;
using Omnibus.Triggers;

namespace Omnibus.Samples.FunctionApp;

/// <summary>orders → validate → shipments (batched), and a watcher of the dead-letter topic.</summary>
public static class OrderFunctions
{
    /// <summary>
    /// Validates an order and publishes its shipment, keyed by customer. An invalid order throws: it is retried, then
    /// dead-lettered to orders.dlq. A body that is not JSON is dead-lettered at once. Nothing is published for a
    /// failed order, and the order is acknowledged only once the shipment was accepted by the broker.
    /// </summary>
    [FunctionName("ValidateOrder")]
    [return: Broker("%ShipmentsTopic%", Key = "{CustomerId}", CorrelationId = "{OrderId}")]
    public static Shipment ValidateOrder([BrokerTrigger("orders", OrderBy = OrderBy.Key)] Order order, int deliveryAttempt, ILogger log)
    {
        if (order.Amount <= 0 || order.Items is not { Length: > 0 })
        {
            log.LogWarning("Order {OrderId} rejected on attempt {Attempt}: amount {Amount}, {ItemCount} items", order.OrderId, deliveryAttempt, order.Amount, order.Items?.Length ?? 0);
            throw new InvalidOrderException($"Order {order.OrderId} needs a positive amount and at least one item.");
        }

        log.LogInformation("Order {OrderId} of customer {CustomerId} valid: {Amount} for {ItemCount} items", order.OrderId, order.CustomerId, order.Amount, order.Items.Length);
        return new Shipment(order.OrderId, order.CustomerId, order.Items.Length);
    }

    /// <summary>Ships in batches: up to 10 shipments, or whatever arrived within half a second.</summary>
    [FunctionName("ShipBatch")]
    public static void ShipBatch([BrokerTrigger("%ShipmentsTopic%", IsBatched = true, MaxBatchSize = 10, MaxBatchWait = "00:00:00.500")] Shipment[] shipments, ILogger log) =>
        log.LogInformation("Shipping a batch of {Count} shipments: {OrderIds}", shipments.Length, string.Join(", ", shipments.Select(s => s.OrderId)));

    /// <summary>Shows why each dead-lettered order failed, from the headers the dead-letter copy carries.</summary>
    [FunctionName("DeadLetters")]
    public static void DeadLetters([BrokerTrigger("orders.dlq")] Message message, ILogger log) =>
        log.LogError(
            "Dead-lettered message {MessageId} from {OriginalTopic} after {Attempts} attempts: {ErrorType}: {ErrorMessage} (body: {Body})",
            message.Id,
            message.GetHeader(HeaderNames.OriginalTopic),
            message.GetHeader(HeaderNames.DeliveryAttempts),
            message.GetHeader(HeaderNames.ErrorType),
            message.GetHeader(HeaderNames.ErrorMessage),
            message.GetString());
}
