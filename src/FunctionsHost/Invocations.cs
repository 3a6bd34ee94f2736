using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>Turns delivered messages into an InvocationRequest, and a successful response's outputs into messages.</summary>
internal static partial class Invocations
{
    /// <summary>The request for <paramref name="messages"/> (one, or a batch) of <paramref name="function"/>.</summary>
    public static InvocationRequest Request(BrokerFunction function, IReadOnlyList<Message> messages)
    {
        var request = new InvocationRequest { FunctionId = function.Metadata.Name, TraceContext = new RpcTraceContext() };
        if (messages.Count > 0 && messages[0].GetHeader(HeaderNames.TraceParent) is { } parent)
        {
            request.TraceContext.TraceParent = parent;
        }

        TypedData data;
        if (function.IsBatched)
        {
            data = new TypedData { CollectionBytes = new CollectionBytes() };
            data.CollectionBytes.Bytes.AddRange(messages.Select(m => ByteString.CopyFrom(m.Body.Span)));
            Metadata(request, "MessageIdArray", Json(messages.Select(m => m.Id)));
            Metadata(request, "KeyArray", Json(messages.Select(m => m.Key)));
            Metadata(request, "TopicArray", Json(messages.Select(m => m.Topic)));
            Metadata(request, "DeliveryAttemptArray", Json(messages.Select(m => m.DeliveryAttempt)));
            Metadata(request, "HeadersArray", Json(messages.Select(m => m.HasHeaders ? m.Headers : new Dictionary<string, string>())));
        }
        else
        {
            var message = messages[0];
            data = new TypedData { Bytes = ByteString.CopyFrom(message.Body.Span) };
            request.TriggerMetadata["MessageId"] = new TypedData { String = message.Id };
            request.TriggerMetadata["Topic"] = new TypedData { String = message.Topic };
            request.TriggerMetadata["DeliveryAttempt"] = new TypedData { String = message.DeliveryAttempt.ToString(CultureInfo.InvariantCulture) };
            request.TriggerMetadata["Headers"] = new TypedData { Json = Json(message.HasHeaders ? message.Headers : new Dictionary<string, string>()) };
            if (message.Key is { } key)
            {
                request.TriggerMetadata["Key"] = new TypedData { String = key };
            }

            if (message.Timestamp != default)
            {
                request.TriggerMetadata["EnqueuedTime"] = new TypedData { String = message.Timestamp.ToString("O", CultureInfo.InvariantCulture) };
            }
        }

        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameter, Data = data });
        return request;
    }

    /// <summary>
    /// The messages each broker output binding publishes: <c>$return</c> from the return value, others from output data.
    /// A value is one message or a JSON array of many; a <c>BrokerMessage</c> (marked <c>$omnibus</c>) carries its own body, key and headers.
    /// </summary>
    public static IEnumerable<(string Topic, List<Message> Messages)> Outputs(BrokerFunction function, InvocationResponse response, IReadOnlyList<Message> trigger, HostSettings settings)
    {
        foreach (var binding in function.Outputs)
        {
            var name = FunctionMetadata.Text(binding, "name");
            var value = name == "$return" ? response.ReturnValue : response.OutputData.FirstOrDefault(o => o.Name == name)?.Data;
            if (value is null || value.DataCase == TypedData.DataOneofCase.None)
            {
                continue;
            }

            string? Resolve(string property) => FunctionMetadata.Text(binding, property) is { } text ? Expand(settings.Resolve(text), trigger) : null;
            var topic = Resolve("topic")!;
            var key = Resolve("key");
            var correlation = Resolve("correlationId");
            var headers = Resolve("headers");
            var messages = Values(value).Select(v => ToMessage(v, key, correlation, headers)).ToList();
            yield return (topic, messages);
        }
    }

    private static IEnumerable<JsonNode?> Values(TypedData value) => value.DataCase switch
    {
        TypedData.DataOneofCase.Json when JsonNode.Parse(value.Json) is JsonArray array => array,
        TypedData.DataOneofCase.Json => [JsonNode.Parse(value.Json)],
        TypedData.DataOneofCase.String => [JsonValue.Create(value.String)],
        TypedData.DataOneofCase.Bytes => [JsonValue.Create(Convert.ToBase64String(value.Bytes.Span))],
        TypedData.DataOneofCase.CollectionString => value.CollectionString.String.Select(s => (JsonNode?)JsonValue.Create(s)),
        _ => throw new NotSupportedException($"An output of kind {value.DataCase} cannot be published."),
    };

    private static Message ToMessage(JsonNode? value, string? key, string? correlation, string? headers)
    {
        Message message;
        if (value is JsonObject o && o["$omnibus"]?.ToString() == "omnibus.message")
        {
            message = new Message(o["body"] is JsonValue b ? Convert.FromBase64String(b.ToString()) : []) { Key = o["key"]?.ToString() ?? key };
            if (o["headers"] is JsonObject own)
            {
                foreach (var (name, v) in own)
                {
                    message.Headers[name] = v?.ToString() ?? string.Empty;
                }
            }
        }
        else
        {
            var body = value is JsonValue text && text.TryGetValue<string>(out var s) ? Encoding.UTF8.GetBytes(s) : Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null");
            message = new Message(body) { Key = key, ContentType = value is JsonValue ? null : "application/json" };
        }

        if (correlation is not null)
        {
            message.Headers["correlation-id"] = correlation;
        }

        foreach (var pair in (headers ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at > 0)
            {
                message.Headers[pair[..at]] = pair[(at + 1)..];
            }
        }

        return message;
    }

    /// <summary>Replaces <c>{Name}</c> with the trigger's binding data (Key, MessageId, Topic, DeliveryAttempt) or a member of its JSON body.</summary>
    private static string Expand(string text, IReadOnlyList<Message> trigger) => ExpressionPattern().Replace(text, m =>
    {
        var name = m.Groups[1].Value;
        var first = trigger[0];
        return name switch
        {
            "Key" => first.Key ?? string.Empty,
            "MessageId" => first.Id,
            "Topic" => first.Topic,
            "DeliveryAttempt" => first.DeliveryAttempt.ToString(CultureInfo.InvariantCulture),
            _ => Member(first, name) ?? throw new InvalidOperationException($"The binding expression {{{name}}} names nothing of the trigger message (binding data or a member of its JSON body)."),
        };
    });

    private static string? Member(Message message, string name)
    {
        try
        {
            return JsonNode.Parse(message.Body.Span) is JsonObject body
                ? body.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.ToString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Metadata(InvocationRequest request, string name, string json) => request.TriggerMetadata[name] = new TypedData { Json = json };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex ExpressionPattern();
}
