using System.Text;
using System.Text.Json;

namespace Omnibus.Cli.Internal;

/// <summary>A message as one JSON object (what <c>sub --format json</c> and <c>peek --json</c> print).</summary>
internal static class MessageJson
{
    /// <summary>For terminals and scripts, not HTML: quotes and non-ASCII text stay readable instead of \u-escaped.</summary>
    public static readonly JsonWriterOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Like <see cref="Compact"/>, indented.</summary>
    public static readonly JsonWriterOptions Indented = Compact with { Indented = true };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// <c>{"id","topic","key","headers","attempt","timestamp","contentType","body"}</c>; a body that is not UTF-8 text is
    /// written as <c>"bodyBase64"</c> instead of <c>"body"</c>.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, Message message)
    {
        writer.WriteStartObject();
        writer.WriteString("id", message.Id);
        writer.WriteString("topic", message.Topic);
        writer.WriteString("key", message.Key);
        writer.WriteStartObject("headers");
        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteEndObject();
        writer.WriteNumber("attempt", message.DeliveryAttempt);
        writer.WriteString("timestamp", message.Timestamp);
        writer.WriteString("contentType", message.ContentType);
        if (TryText(message.Body, out var text))
        {
            writer.WriteString("body", text);
        }
        else
        {
            writer.WriteBase64String("bodyBase64", message.Body.Span);
        }

        writer.WriteEndObject();
    }

    /// <summary>The message as a single line of JSON.</summary>
    public static string ToLine(Message message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Compact))
        {
            Write(writer, message);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The body as text when it is valid UTF-8.</summary>
    public static bool TryText(ReadOnlyMemory<byte> body, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(body.Span);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }
}
