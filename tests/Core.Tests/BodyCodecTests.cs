using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Serialization;
using Omnibus.Codecs;
using Xunit;

namespace Omnibus.Tests;

public sealed record Order(string OrderId, decimal Amount);

[JsonSerializable(typeof(Order))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}

public sealed class BodyCodecTests
{
    [Fact]
    public void Encode_ByteArray_WrapsTheArrayWithoutCopying_AndDecodeReturnsIt()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var message = BodyCodec.Encode(bytes);
        Assert.True(MemoryMarshal.TryGetArray(message.Body, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(BodyCodec.OctetStream, message.ContentType);
        Assert.Same(bytes, message.GetBody<byte[]>());
    }

    [Fact]
    public void Decode_ByteArrayFromSlice_Copies()
    {
        var message = new Message(new byte[] { 9, 1, 2, 9 }.AsMemory(1, 2));
        Assert.Equal(new byte[] { 1, 2 }, message.GetBody<byte[]>());
    }

    [Fact]
    public void Encode_String_IsUtf8Text()
    {
        var message = Message.FromString("héllo ✓");
        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓"), message.Body.ToArray());
        Assert.Equal(BodyCodec.PlainText, message.ContentType);
        Assert.Equal("héllo ✓", message.GetBody<string>());
    }

    [Fact]
    public void Encode_Poco_IsJsonAndRoundTrips()
    {
        var message = Message.From(new Order("A17", 12.5m));
        Assert.Equal(BodyCodec.Json, message.ContentType);
        Assert.Equal("""{"orderId":"A17","amount":12.5}""", message.GetString());
        Assert.Equal(new Order("A17", 12.5m), message.GetBody<Order>());
    }

    [Fact]
    public void Decode_SourceGeneratedTypeInfo_RoundTrips()
    {
        var message = BodyCodec.Encode(new Order("B2", 1m), TestJsonContext.Default.Order);
        Assert.Equal(new Order("B2", 1m), BodyCodec.Decode(message, TestJsonContext.Default.Order));
    }

    [Fact]
    public void Decode_BadJson_ThrowsDecodeExceptionNamingMessageAndType()
    {
        var message = new Message(Encoding.UTF8.GetBytes("not json")) { Id = "m-1" };
        var e = Assert.Throws<MessageDecodeException>(() => message.GetBody<Order>());
        Assert.Equal("m-1", e.MessageId);
        Assert.Equal(typeof(Order), e.TargetType);
        Assert.Contains("m-1", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<OmnibusException>(e);
    }

    [Fact]
    public void Decode_ReadOnlyMemoryAndMessage_ReturnTheSameData()
    {
        var message = Message.FromString("x");
        Assert.True(message.Body.Equals(message.GetBody<ReadOnlyMemory<byte>>()));
        Assert.Same(message, message.GetBody<Message>());
        Assert.Equal("x", BodyCodec.Decode(message, typeof(string)));
    }

    [Fact]
    public void Id_NotSet_IsGeneratedOnceAndUnique()
    {
        var a = new Message();
        var b = new Message();
        Assert.Equal(a.Id, a.Id);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Throws<ArgumentException>(() => new Message { Id = "" });
    }
}
