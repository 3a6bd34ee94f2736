namespace Omnibus.Samples.FunctionApp.Isolated;

/// <summary>An order as it arrives on the <c>orders</c> topic (JSON, camelCase).</summary>
public sealed record Order(string OrderId, string CustomerId, decimal Amount, string[]? Items);

/// <summary>A shipment the validation step publishes to the <c>shipments</c> topic.</summary>
public sealed record Shipment(string OrderId, string CustomerId, int ItemCount);

/// <summary>Thrown for an order that can never be shipped; after the last attempt it goes to <c>orders.dlq</c>.</summary>
public sealed class InvalidOrderException(string message) : Exception(message);
