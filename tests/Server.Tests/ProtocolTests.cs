using Omnibus.Protocol;

namespace Omnibus.Server.Tests;

/// <summary>The frame codec alone, no server: round trips, and strictness on every kind of bad input.</summary>
public sealed class ProtocolTests
{
    private static Message Full()
    {
        var message = new Message("héllo body"u8.ToArray())
        {
            Id = "id-1",
            Key = "k",
            ContentType = "text/plain",
            Timestamp = new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero).AddTicks(7),
            DeliverAfter = TimeSpan.FromMilliseconds(1500),
            TimeToLive = TimeSpan.FromMinutes(2),
            IdempotencyId = "once",
        };
        message.Headers["trace"] = "abc";
        message.Headers["ü"] = new string('x', 300);
        return message;
    }

    private static byte[] Encode(Message message)
    {
        using var builder = new FrameBuilder();
        builder.WriteMessage(message);
        return builder.Written.ToArray();
    }

    [Fact]
    public void Message_RoundTrip_KeepsEveryField()
    {
        var original = Full();
        var reader = new FrameReader(Encode(original));
        var copy = reader.ReadMessage("topic", 3);
        reader.End();
        Assert.Equal(
            (original.Id, original.Key, original.ContentType, original.Timestamp, original.DeliverAfter, original.TimeToLive, original.IdempotencyId, original.GetString()),
            (copy.Id, copy.Key, copy.ContentType, copy.Timestamp, copy.DeliverAfter, copy.TimeToLive, copy.IdempotencyId, copy.GetString()));
        Assert.Equal(original.Headers.OrderBy(h => h.Key), copy.Headers.OrderBy(h => h.Key));
        Assert.Equal(("topic", 3), (copy.Topic, copy.DeliveryAttempt));
    }

    [Fact]
    public void Message_EveryTruncation_IsMalformed()
    {
        var bytes = Encode(Full());
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var error = Assert.Throws<ProtocolException>(() =>
            {
                var reader = new FrameReader(bytes.AsSpan(0, cut));
                reader.ReadMessage("t", 1);
                reader.End();
            });
            Assert.Equal(ErrorCode.MalformedFrame, error.Code);
        }
    }

    [Fact]
    public void Message_RandomAndMutatedInput_OnlyEverProtocolException()
    {
        var random = new Random(7);
        var valid = Encode(Full());
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
            }
            else
            {
                input = new byte[random.Next(0, 64)];
                random.NextBytes(input);
            }

            try
            {
                var reader = new FrameReader(input);
                reader.ReadMessage("t", 1);
                reader.End();
            }
            catch (ProtocolException)
            {
                // Refused: the only acceptable failure.
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 })]
    [InlineData(new byte[] { 0x80 })]
    public void Varint_OverlongOrCut_IsMalformed(byte[] input)
    {
        Assert.Throws<ProtocolException>(() => new FrameReader(input).ReadVarint());
    }

    [Fact]
    public void String_LengthBeyondFrame_IsMalformedBeforeAllocating()
    {
        using var builder = new FrameBuilder();
        builder.WriteVarint(int.MaxValue);
        var bytes = builder.Written.ToArray();
        Assert.Equal(ErrorCode.MalformedFrame, Assert.Throws<ProtocolException>(() => new FrameReader(bytes).ReadString("topic")).Code);
    }

    [Theory]
    [InlineData(4u, 0x02, ErrorCode.MalformedFrame)]
    [InlineData(2000u, 0x02, ErrorCode.FrameTooLarge)]
    [InlineData(10u, 0x55, ErrorCode.UnknownOpcode)]
    [InlineData(10u, 0x83, ErrorCode.UnknownOpcode)]
    internal void Header_Invalid_Refused(uint length, byte opcode, ErrorCode expected)
    {
        var header = new byte[Frame.HeaderSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = opcode;
        Assert.Equal(expected, Assert.Throws<ProtocolException>(() => Frame.ReadHeader(header, 1024, Opcodes.IsRequest)).Code);
    }

    [Fact]
    public async Task Outbox_AboveLimit_ProducersWaitUntilTheWriterDrains()
    {
        using var outbox = new Outbox(limit: 1024);
        for (var i = 0; i < 10; i++)
        {
            using var frame = outbox.Begin(Opcode.Ping, (uint)i);
            frame.Builder.WriteBytes(new byte[200]);
        }

        var waiting = outbox.WaitForSpaceAsync(default).AsTask();
        Assert.False(waiting.IsCompleted);
        var written = 0;
        var writer = outbox.RunAsync((data, _) => { Interlocked.Add(ref written, data.Length); return default; }, TimeSpan.FromSeconds(5), default);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        outbox.Close();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10 * (Frame.HeaderSize + 2 + 200), written);
    }

    [Fact]
    public async Task Outbox_PeerNeverTakes_WriterFailsAfterStallTimeout()
    {
        using var outbox = new Outbox(limit: 1024);
        using (outbox.Begin(Opcode.Ping, 1))
        {
        }

        var writer = outbox.RunAsync(async (_, ct) => await Task.Delay(Timeout.Infinite, ct), TimeSpan.FromMilliseconds(100), default);
        await Assert.ThrowsAsync<TimeoutException>(() => writer.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Outbox_ManyProducersOneSlowWriter_EveryFrameArrivesIntact()
    {
        // Producers race the writer's buffer swap, sometimes finding the outbox empty and sometimes not. Every frame
        // must come out whole, in one piece, once.
        using var outbox = new Outbox(limit: 64 * 1024);
        var received = new List<byte>();
        var writer = outbox.RunAsync(async (data, _) =>
        {
            lock (received)
            {
                received.AddRange(data.ToArray());
            }

            if (data.Length % 3 == 0)
            {
                await Task.Yield();
            }
        }, TimeSpan.FromSeconds(30), default);
        const int producers = 8;
        const int perProducer = 5_000;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                await outbox.WaitForSpaceAsync(default);
                Send(outbox, (uint)(p * perProducer + i), i % 300);
                if (i % 2 == 0)
                {
                    await Task.Yield(); // leaves the outbox empty now and then, so the writer finds it so and races the next frame
                }
            }
        })));
        outbox.Close();
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        var seen = new HashSet<uint>();
        using var input = new FrameInput(1024 * 1024, _ => true);
        var sequence = new System.Buffers.ReadOnlySequence<byte>(received.ToArray());
        while (input.TryTake(ref sequence, seen, static (ids, _, id, payload) =>
        {
            var reader = new FrameReader(payload);
            Assert.Equal((int)(id % 5_000 % 300), reader.ReadBytes("filler").Length);
            reader.End();
            Assert.True(ids.Add(id));
        }))
        {
        }

        Assert.Equal(0, sequence.Length);
        Assert.Equal(producers * perProducer, seen.Count);
    }

    private static void Send(Outbox outbox, uint id, int filler)
    {
        using var frame = outbox.Begin(Opcode.Ping, id);
        frame.Builder.WriteBytes(new byte[filler]);
    }
}
