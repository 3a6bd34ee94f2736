using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Converters;

namespace Omnibus.Worker;

/// <summary>
/// Converts a <see cref="BrokerTriggerAttribute"/> input (the body as bytes or a string; a batch as a collection) to the
/// parameter's type: <see cref="string"/>, <see cref="byte"/>[], <see cref="ReadOnlyMemory{T}"/> of bytes,
/// <see cref="BrokerMessage"/> (with the binding data), or a POCO from JSON (web defaults: camelCase, case-insensitive);
/// for a batch, an array or <see cref="List{T}"/> of any of these.
/// </summary>
/// <remarks>A body that is not valid JSON for a POCO fails the conversion, so the invocation fails and is retried,
/// then dead-lettered, like the in-process binding.</remarks>
public sealed class BrokerMessageConverter : IInputConverter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public ValueTask<ConversionResult> ConvertAsync(ConverterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var target = context.TargetType;
            var data = context.FunctionContext.BindingContext.BindingData;
            if (ElementType(target) is { } element && Bodies(context.Source) is { } bodies)
            {
                var values = Array.CreateInstance(element, bodies.Count);
                for (var i = 0; i < bodies.Count; i++)
                {
                    values.SetValue(ConvertOne(bodies[i], element, new BindingDataView(data, i)), i);
                }

                return new(ConversionResult.Success(target.IsArray ? values : Activator.CreateInstance(target, values)));
            }

            if (Body(context.Source) is { } body && ElementType(target) is null)
            {
                return new(ConversionResult.Success(ConvertOne(body, target, new BindingDataView(data, null))));
            }

            return new(ConversionResult.Unhandled());
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
        {
            return new(ConversionResult.Failed(new InvalidOperationException($"The broker message cannot be converted to {context.TargetType.Name}: {e.Message}", e)));
        }
    }

    private static object? ConvertOne(ReadOnlyMemory<byte> body, Type target, BindingDataView data)
    {
        if (target == typeof(string))
        {
            return Encoding.UTF8.GetString(body.Span);
        }

        if (target == typeof(byte[]))
        {
            return body.ToArray();
        }

        if (target == typeof(ReadOnlyMemory<byte>))
        {
            return body;
        }

        if (target == typeof(BrokerMessage))
        {
            return data.ToMessage(body);
        }

        return JsonSerializer.Deserialize(body.Span, target, Json);
    }

    /// <summary>The element type of a batch parameter (T[] or List&lt;T&gt;, not byte[]), else null.</summary>
    private static Type? ElementType(Type target)
    {
        if (target == typeof(byte[]))
        {
            return null;
        }

        if (target.IsArray)
        {
            return target.GetElementType();
        }

        return target.IsGenericType && target.GetGenericTypeDefinition() == typeof(List<>) ? target.GetGenericArguments()[0] : null;
    }

    private static ReadOnlyMemory<byte>? Body(object? source) => source switch
    {
        ReadOnlyMemory<byte> bytes => bytes,
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        _ => null,
    };

    private static List<ReadOnlyMemory<byte>>? Bodies(object? source)
    {
        if (source is string or byte[] or ReadOnlyMemory<byte> or null || source is not IEnumerable items)
        {
            return null;
        }

        var bodies = new List<ReadOnlyMemory<byte>>();
        foreach (var item in items)
        {
            bodies.Add(Body(item) ?? throw new NotSupportedException($"A batch entry of type {item?.GetType().Name ?? "null"} is not a message body."));
        }

        return bodies;
    }

    /// <summary>One message's binding data: the plain values, or entry <c>index</c> of a batch's arrays.</summary>
    private readonly struct BindingDataView(IReadOnlyDictionary<string, object?> data, int? index)
    {
        public BrokerMessage ToMessage(ReadOnlyMemory<byte> body) => new()
        {
            Body = body.ToArray(),
            Id = Text(BindingDataNames.MessageId),
            Key = Text(BindingDataNames.Key),
            Topic = Text(BindingDataNames.Topic) ?? string.Empty,
            DeliveryAttempt = int.TryParse(Text(BindingDataNames.DeliveryAttempt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempt) ? attempt : 0,
            EnqueuedTime = DateTimeOffset.TryParse(Text(BindingDataNames.EnqueuedTime), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null,
            Headers = Headers(),
        };

        private Dictionary<string, string> Headers()
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Element(BindingDataNames.Headers) is { ValueKind: JsonValueKind.Object } json)
            {
                foreach (var header in json.EnumerateObject())
                {
                    headers[header.Name] = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
                }
            }

            return headers;
        }

        private string? Text(string name) => Element(name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;

        /// <summary>The value as JSON: binding data arrives as strings, numbers or JSON text.</summary>
        private JsonElement? Element(string name)
        {
            var key = index is null ? name : name + BindingDataNames.ArraySuffix;
            if (!data.TryGetValue(key, out var raw) || raw is null)
            {
                return null;
            }

            var element = raw switch
            {
                JsonElement e => e,
                string s when index is not null || name == BindingDataNames.Headers => Parse(s),
                string s => JsonSerializer.SerializeToElement(s),
                _ => JsonSerializer.SerializeToElement(raw, raw.GetType()),
            };
            if (index is not { } i)
            {
                return element;
            }

            return element.ValueKind == JsonValueKind.Array && i < element.GetArrayLength() ? element[i] : null;
        }

        private static JsonElement Parse(string json)
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
    }
}
