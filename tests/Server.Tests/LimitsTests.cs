using Omnibus.Drivers.Omnibus;
using Omnibus.Protocol;

namespace Omnibus.Server.Tests;

/// <summary>Limits and malformed frames: the offender gets an error naming the problem and is closed; others carry on.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.MaxFrameBytes = 64 * 1024;
        o.MaxConnections = 5;
        o.MaxSubscriptionsPerConnection = 2;
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Subscribe_BeyondMaxSubscriptionsPerConnection_ErrorNamesTheLimit()
    {
        await using var client = _server.Connect();
        await using var first = await client.SubscribeAsync(new SubscriptionOptions("limits", "g1"), (_, _) => default);
        await using var second = await client.SubscribeAsync(new SubscriptionOptions("limits", "g2"), (_, _) => default);
        var error = await Assert.ThrowsAsync<OmnibusServerException>(async () => await client.SubscribeAsync(new SubscriptionOptions("limits", "g3"), (_, _) => default));
        Assert.Equal("TooManySubscriptions", error.Code);
        Assert.Contains("MaxSubscriptionsPerConnection (2)", error.Message, StringComparison.Ordinal);
        await client.PublishAsync("limits", Message.FromString("connection still fine"));
    }

    [Fact]
    public async Task Connect_BeyondMaxConnections_RefusedWithErrorFrame()
    {
        var held = new List<RawClient>();
        try
        {
            await using var healthy = _server.Connect();
            await healthy.PublishAsync("limits", Message.FromString("first"));
            for (var i = 0; i < 4; i++)
            {
                var raw = await RawClient.ConnectAsync(_server.Endpoint);
                await raw.HandshakeAsync();
                held.Add(raw);
            }

            using var refused = await RawClient.ConnectAsync(_server.Endpoint);
            var (code, fatal, text) = await refused.ReadErrorAsync(Timeout);
            Assert.Equal(ErrorCode.TooManyConnections, code);
            Assert.True(fatal);
            Assert.Contains("MaxConnections (5)", text, StringComparison.Ordinal);
            Assert.True(await refused.ClosedByServerAsync(Timeout));

            await using var another = _server.Connect();
            var error = await Assert.ThrowsAsync<PublishException>(async () => await another.PublishAsync("limits", Message.FromString("x")));
            Assert.Contains("MaxConnections", error.Message, StringComparison.Ordinal);
            await healthy.PublishAsync("limits", Message.FromString("the connected client is unaffected"));
        }
        finally
        {
            held.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task Frame_LargerThanMaxFrameBytes_ClosedWithErrorNamingTheLimit()
    {
        using var raw = await RawClient.ConnectAsync(_server.Endpoint);
        await raw.HandshakeAsync();
        var header = new byte[Frame.HeaderSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, 100 * 1024 * 1024);
        header[4] = (byte)Opcode.Publish;
        await raw.SendAsync(header);
        var (code, fatal, text) = await raw.ReadErrorAsync(Timeout);
        Assert.Equal(ErrorCode.FrameTooLarge, code);
        Assert.True(fatal);
        Assert.Contains("MaxFrameBytes (65536)", text, StringComparison.Ordinal);
        Assert.True(await raw.ClosedByServerAsync(Timeout));
    }

    [Fact]
    public async Task Publish_MessageAboveServerLimit_FailsWithoutSending_ConnectionKept()
    {
        await using var client = _server.Connect();
        var error = await Assert.ThrowsAsync<PublishException>(async () => await client.PublishAsync("limits", new Message(new byte[100 * 1024])));
        Assert.Equal("FrameTooLarge", Assert.IsType<OmnibusServerException>(error.InnerException).Code);
        Assert.Contains("MaxFrameBytes (65536)", error.Message, StringComparison.Ordinal);
        await client.PublishAsync("limits", new Message(new byte[60 * 1024]));
    }

    public static TheoryData<string, byte[], int> BadFrames() => new()
    {
        { "unknown opcode", RawClient.Encode((Opcode)0x42, 7), (int)ErrorCode.UnknownOpcode },
        { "reply opcode from a client", RawClient.Encode(Opcode.Deliver, 7), (int)ErrorCode.UnknownOpcode },
        { "length below the header", [1, 0, 0, 0, (byte)Opcode.Ping, 0, 0, 0, 0], (int)ErrorCode.MalformedFrame },
        { "giant length", [0xFF, 0xFF, 0xFF, 0xFF, (byte)Opcode.Publish, 0, 0, 0, 0], (int)ErrorCode.FrameTooLarge },
        { "publish with a truncated message", RawClient.Encode(Opcode.Publish, 7, b => { b.WriteString("t"); b.WriteByte(0); b.WriteVarint(50); }), (int)ErrorCode.MalformedFrame },
        { "trailing bytes", RawClient.Encode(Opcode.Ping, 7, b => b.WriteByte(1)), (int)ErrorCode.MalformedFrame },
        { "second hello", RawClient.Hello(), (int)ErrorCode.HandshakeRequired },
        { "bad utf-8 topic", RawClient.Encode(Opcode.Publish, 7, b => b.WriteBytes([0xC3, 0x28])), (int)ErrorCode.MalformedFrame },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task BadFrame_AfterHandshake_ClosedWithError(string what, byte[] frame, int expected)
    {
        using var raw = await RawClient.ConnectAsync(_server.Endpoint);
        await raw.HandshakeAsync();
        await raw.SendAsync(frame);
        var (code, fatal, text) = await raw.ReadErrorAsync(Timeout);
        Assert.True(code == (ErrorCode)expected, $"{what}: got {code} ({text})");
        Assert.True(fatal);
        Assert.True(await raw.ClosedByServerAsync(Timeout));
        Assert.True(_server.Stats.ProtocolErrors >= 1);
    }

    [Fact]
    public async Task Publish_BeforeHello_HandshakeRequired()
    {
        using var raw = await RawClient.ConnectAsync(_server.Endpoint);
        await raw.SendAsync(RawClient.Encode(Opcode.Ping, 3));
        var (code, _, text) = await raw.ReadErrorAsync(Timeout);
        Assert.Equal(ErrorCode.HandshakeRequired, code);
        Assert.Contains("HELLO", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hello_WrongVersion_Refused()
    {
        using var raw = await RawClient.ConnectAsync(_server.Endpoint);
        await raw.SendAsync(RawClient.Encode(Opcode.Hello, 1, b => { b.WriteUInt16(99); b.WriteNullableString(null); b.WriteNullableString(null); }));
        var (code, _, text) = await raw.ReadErrorAsync(Timeout);
        Assert.Equal(ErrorCode.UnsupportedVersion, code);
        Assert.Contains("version 1", text, StringComparison.Ordinal);
    }
}
