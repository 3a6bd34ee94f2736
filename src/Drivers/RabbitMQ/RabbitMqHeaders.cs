namespace Omnibus.Drivers.RabbitMQ;

/// <summary>Header names the <c>amqp://</c> driver reads or writes besides <see cref="HeaderNames"/>.</summary>
public static class RabbitMqHeaders
{
    /// <summary>
    /// Set on a published message to route it with this AMQP routing key instead of <see cref="Message.Key"/>.
    /// Not forwarded to the broker as a header. The message's key still reaches consumers unchanged.
    /// </summary>
    public const string RoutingKey = "amqp-routing-key";

    /// <summary>
    /// Carries <see cref="Message.Key"/> when the routing key is not the key (an override, a delayed publish or a
    /// redelivery). A consumer reads the key from here first, else from the routing key.
    /// </summary>
    public const string Key = "omnibus-key";

    /// <summary>When a message with <see cref="Message.TimeToLive"/> expires, in Unix milliseconds; checked by consumers.</summary>
    public const string ExpiresAt = "omnibus-expires-at";
}
