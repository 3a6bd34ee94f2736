using System.Text;
using System.Text.Json.Serialization;

namespace Omnibus.Worker;

/// <summary>
/// A message as an isolated function sees it: as a trigger parameter (body, id, key, topic, headers, delivery
/// attempt, enqueued time), and as an output (body, key and headers per message, which the host publishes).
/// </summary>
public sealed class BrokerMessage
{
    /// <summary>The marker the host reads to tell a <see cref="BrokerMessage"/> output from a POCO output.</summary>
    public const string KindValue = "omnibus.message";

    /// <summary>Creates an empty message.</summary>
    public BrokerMessage()
    {
    }

    /// <summary>Creates a message whose body is <paramref name="body"/> (not copied).</summary>
    public BrokerMessage(byte[] body) => Body = body;

    /// <summary>Creates a message whose body is <paramref name="body"/> in UTF-8.</summary>
    public BrokerMessage(string body) => Body = Encoding.UTF8.GetBytes(body);

    /// <summary>Always <see cref="KindValue"/>: serialized with the message so that the host knows its shape.</summary>
    [JsonPropertyName("$omnibus")]
    public string Kind => KindValue;

    /// <summary>The payload (base64 in JSON).</summary>
    [JsonPropertyName("body")]
    public byte[] Body { get; init; } = [];

    /// <summary>The message id; an output may set it, else the broker makes one.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>The partitioning and ordering key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>The topic the message came from (empty on an output).</summary>
    [JsonPropertyName("topic")]
    public string Topic { get; init; } = string.Empty;

    /// <summary>The headers. An output's headers are published with it.</summary>
    [JsonPropertyName("headers")]
    public IDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>1 for a first delivery, 2 for the first redelivery, and so on (0 on an output).</summary>
    [JsonPropertyName("deliveryAttempt")]
    public int DeliveryAttempt { get; init; }

    /// <summary>When the message was published (UTC); null when the broker does not say.</summary>
    [JsonPropertyName("enqueuedTime")]
    public DateTimeOffset? EnqueuedTime { get; init; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string GetString() => Encoding.UTF8.GetString(Body);
}
