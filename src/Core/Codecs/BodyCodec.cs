using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Omnibus.Codecs;

/// <summary>
/// Turns values into message bodies and back. <see cref="byte"/> arrays, <see cref="ReadOnlyMemory{T}"/> of bytes
/// and strings take a fast path that never touches JSON (arrays are wrapped, not copied); any other type is
/// System.Text.Json. The content type travels with the message.
/// </summary>
/// <remarks>
/// For trimming and AOT, pass a source-generated <see cref="JsonTypeInfo{T}"/>, or options whose
/// <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a source-generated context. Thread-safe.
/// </remarks>
public static class BodyCodec
{
    /// <summary>Content type of raw bytes.</summary>
    public const string OctetStream = "application/octet-stream";

    /// <summary>Content type of UTF-8 text.</summary>
    public const string PlainText = "text/plain; charset=utf-8";

    /// <summary>Content type of JSON bodies.</summary>
    public const string Json = "application/json";

    /// <summary>
    /// The JSON options used when none are given: web defaults (camelCase names written, names read
    /// case-insensitively, numbers allowed as strings).
    /// </summary>
    public static JsonSerializerOptions DefaultJsonOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Encodes <paramref name="value"/> as a message body.</summary>
    public static Message Encode<T>(T value, JsonSerializerOptions? options = null) => value switch
    {
        byte[] bytes => new Message(bytes) { ContentType = OctetStream },
        ReadOnlyMemory<byte> memory => new Message(memory) { ContentType = OctetStream },
        string text => new Message(Encoding.UTF8.GetBytes(text)) { ContentType = PlainText },
        Message message => message,
        _ => new Message(JsonSerializer.SerializeToUtf8Bytes(value, options ?? DefaultJsonOptions)) { ContentType = Json },
    };

    /// <summary>Encodes <paramref name="value"/> as JSON with a (source-generated) type info.</summary>
    public static Message Encode<T>(T value, JsonTypeInfo<T> typeInfo) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo)) { ContentType = Json };

    /// <summary>Decodes the body of <paramref name="message"/> to <typeparamref name="T"/>.</summary>
    /// <exception cref="MessageDecodeException">The body is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T Decode<T>(Message message, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (typeof(T) == typeof(ReadOnlyMemory<byte>))
        {
            return (T)(object)message.Body;
        }

        if (typeof(T) == typeof(byte[]))
        {
            return (T)(object)ToArray(message.Body);
        }

        if (typeof(T) == typeof(string))
        {
            return (T)(object)Encoding.UTF8.GetString(message.Body.Span);
        }

        if (typeof(T) == typeof(Message))
        {
            return (T)(object)message;
        }

        return (T)DecodeJson(message, typeof(T), options)!;
    }

    /// <summary>Decodes the body with a (source-generated) type info.</summary>
    /// <exception cref="MessageDecodeException">The body is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T Decode<T>(Message message, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return JsonSerializer.Deserialize(message.Body.Span, typeInfo)!;
        }
        catch (JsonException e)
        {
            throw DecodeError(message, typeof(T), e);
        }
    }

    /// <summary>Decodes the body to <paramref name="type"/> when it is only known at run time.</summary>
    /// <exception cref="MessageDecodeException">The body is not valid for <paramref name="type"/>.</exception>
    public static object? Decode(Message message, Type type, JsonSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(ReadOnlyMemory<byte>))
        {
            return message.Body;
        }

        if (type == typeof(byte[]))
        {
            return ToArray(message.Body);
        }

        if (type == typeof(string))
        {
            return Encoding.UTF8.GetString(message.Body.Span);
        }

        return type == typeof(Message) ? message : DecodeJson(message, type, options);
    }

    private static object? DecodeJson(Message message, Type type, JsonSerializerOptions? options)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Body.Span, type, options ?? DefaultJsonOptions);
        }
        catch (JsonException e)
        {
            throw DecodeError(message, type, e);
        }
    }

    private static MessageDecodeException DecodeError(Message message, Type type, JsonException e) =>
        new(message.Id, type, $"Message {message.Id} on topic '{message.Topic}' is not valid JSON for {type.Name}: {e.Message}", e);

    /// <summary>The bytes as an array: the original array when the memory covers one whole array, else a copy.</summary>
    private static byte[] ToArray(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : body.ToArray();
}
