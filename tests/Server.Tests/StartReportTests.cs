using Omnibus.Protocol;

namespace Omnibus.Server.Tests;

/// <summary>
/// Where a delivery attempt counts. A client that sent REPORT_STARTS uses one up only for the deliveries it reported
/// STARTED; what it held unstarted when its connection dropped comes back with the attempt unchanged, in order. A client
/// that never reports starts (an older one) uses one up for every delivery sent to it, as before.
/// </summary>
public sealed class StartReportTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Handshake_AnnouncesThatTheServerCountsOnStarted()
    {
        using var raw = await RawClient.ConnectAsync(_server.Endpoint);
        await raw.SendAsync(RawClient.Hello());
        var reply = await raw.ReadAsync(Timeout);
        Assert.Equal(Opcode.HelloOk, reply!.Value.Opcode);
        var features = new FrameReader(reply.Value.Payload);
        features.ReadUInt16();
        Assert.NotEqual(0u, features.ReadUInt32() & AdminCodec.ReportsStartsBit);
    }

    [Fact]
    public async Task ReportingClient_DropsWithThreeHeld_OneStarted_OnlyThatOneUsedAnAttempt_OrderKept()
    {
        var topic = "starts-" + Guid.NewGuid().ToString("N")[..8];
        await PublishAsync(topic, 3);
        using (var first = await RawClient.ConnectAsync(_server.Endpoint))
        {
            await first.HandshakeAsync();
            await first.SendAsync(RawClient.Encode(Opcode.ReportStarts, 0));
            var held = await SubscribeAndReceiveAsync(first, topic, 3);
            Assert.Equal([("m0", 1), ("m1", 1), ("m2", 1)], held.Select(d => (d.Body, d.Attempt)));
            await first.SendAsync(RawClient.Encode(Opcode.Started, 0, b =>
            {
                b.WriteVarint(1);
                b.WriteVarint(held[0].Tag);
            }));
            await PingAsync(first); // the server has read STARTED (frames are handled in order)
        }

        Assert.Equal([("m0", 2), ("m1", 1), ("m2", 1)], await RedeliveredAsync(topic));
    }

    [Fact]
    public async Task ClientThatDoesNotReport_DropsWithThreeHeld_AllUsedAnAttempt_OrderKept()
    {
        var topic = "nostarts-" + Guid.NewGuid().ToString("N")[..8];
        await PublishAsync(topic, 3);
        using (var first = await RawClient.ConnectAsync(_server.Endpoint))
        {
            await first.HandshakeAsync();
            Assert.Equal(3, (await SubscribeAndReceiveAsync(first, topic, 3)).Count);
        }

        Assert.Equal([("m0", 2), ("m1", 2), ("m2", 2)], await RedeliveredAsync(topic));
    }

    private async Task PublishAsync(string topic, int count)
    {
        await using var client = _server.Connect();
        for (var i = 0; i < count; i++)
        {
            await client.PublishAsync(topic, Message.FromString($"m{i}"));
        }
    }

    // What the group gets next, read by a second raw client once the first connection's deliveries are back.
    private async Task<List<(string Body, int Attempt)>> RedeliveredAsync(string topic)
    {
        using var second = await RawClient.ConnectAsync(_server.Endpoint);
        await second.HandshakeAsync();
        await second.SendAsync(RawClient.Encode(Opcode.ReportStarts, 0));
        return [.. (await SubscribeAndReceiveAsync(second, topic, 3)).Select(d => (d.Body, d.Attempt))];
    }

    private static async Task<List<(ulong Tag, int Attempt, string Body)>> SubscribeAndReceiveAsync(RawClient raw, string topic, int count)
    {
        await raw.SendAsync(RawClient.Subscribe(2, 1, topic, "g", credit: 10));
        var deliveries = new List<(ulong, int, string)>();
        while (deliveries.Count < count)
        {
            var frame = await raw.ReadAsync(Timeout) ?? throw new InvalidOperationException("the server closed the connection");
            if (frame.Opcode != Opcode.Deliver)
            {
                continue; // the OK of SUBSCRIBE
            }

            var reader = new FrameReader(frame.Payload);
            reader.ReadUInt32();
            var tag = reader.ReadVarint();
            var attempt = (int)reader.ReadVarint();
            var delivered = reader.ReadString("topic");
            deliveries.Add((tag, attempt, reader.ReadMessage(delivered, attempt).GetString()));
        }

        return deliveries;
    }

    private static async Task PingAsync(RawClient raw)
    {
        await raw.SendAsync(RawClient.Encode(Opcode.Ping, 9));
        while ((await raw.ReadAsync(Timeout))?.Opcode is { } opcode && opcode != Opcode.Pong)
        {
        }
    }
}
