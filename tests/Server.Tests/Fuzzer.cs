using Omnibus.Protocol;

namespace Omnibus.Server.Tests;

/// <summary>
/// Makes frames for the fuzz test: valid frames of every request kind, and the same mutated (flipped bytes, wrong
/// lengths, unknown opcodes, truncation, giant lengths) or replaced by random bytes. Deterministic for a seed.
/// </summary>
internal sealed class Fuzzer
{
    private readonly Random _random;

    public Fuzzer(int seed) => _random = new Random(seed);

    /// <summary>A frame: valid with probability <paramref name="validShare"/>, otherwise broken in one of several ways.</summary>
    public byte[] Next(double validShare)
    {
        var frame = Valid();
        if (_random.NextDouble() < validShare)
        {
            return frame;
        }

        switch (_random.Next(6))
        {
            case 0: // flipped bytes anywhere, header included
                for (var i = _random.Next(1, 4); i > 0; i--)
                {
                    frame[_random.Next(frame.Length)] ^= (byte)_random.Next(1, 256);
                }

                return frame;
            case 1: // truncated
                return frame[.._random.Next(1, frame.Length)];
            case 2: // a length that lies: too small, a bit too large, or giant
                var length = _random.Next(4) switch
                {
                    0 => (uint)_random.Next(0, Frame.MinLength),
                    1 => (uint)(frame.Length - 4 + _random.Next(1, 100)),
                    2 => uint.MaxValue - (uint)_random.Next(1000),
                    _ => (uint)_random.Next(),
                };
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, length);
                return frame;
            case 3: // unknown or reply opcode
                frame[4] = (byte)_random.Next(0x10, 0x100);
                return frame;
            case 4: // random bytes
                var garbage = new byte[_random.Next(1, 64)];
                _random.NextBytes(garbage);
                return garbage;
            default: // valid header, random payload
                var payload = new byte[_random.Next(0, 200)];
                _random.NextBytes(payload);
                return RawClient.Encode((Opcode)_random.Next(2, 0x10), (uint)_random.Next(), b => b.WriteBytes(payload));
        }
    }

    private byte[] Valid()
    {
        var id = (uint)_random.Next(1, 1000);
        var subscription = (uint)_random.Next(1, 4);
        return _random.Next(12) switch
        {
            0 or 1 or 2 => RawClient.Encode(Opcode.Publish, id, b =>
            {
                b.WriteString("fuzz");
                b.WriteMessage(RandomMessage());
            }),
            3 => RawClient.Encode(Opcode.PublishBatch, id, b =>
            {
                b.WriteString("fuzz");
                b.WriteVarint(2);
                b.WriteMessage(RandomMessage());
                b.WriteMessage(RandomMessage());
            }),
            4 => RawClient.Subscribe(id, subscription, "fuzz", "fuzz-group", _random.Next(0, 20)),
            5 => RawClient.Encode(Opcode.Credit, 0, b =>
            {
                b.WriteUInt32(subscription);
                b.WriteVarint((ulong)_random.Next(0, 1_000_000));
            }),
            6 => RawClient.Encode(Opcode.Ack, 0, b =>
            {
                b.WriteVarint(2);
                b.WriteVarint((ulong)_random.Next(1, 50));
                b.WriteVarint((ulong)_random.NextInt64());
            }),
            7 => RawClient.Encode(Opcode.Nack, 0, b =>
            {
                b.WriteVarint((ulong)_random.Next(1, 50));
                b.WriteVarint((ulong)_random.Next(0, 100));
                b.WriteNullableString("fuzz");
            }),
            8 => RawClient.Encode(Opcode.Unsubscribe, id, b => b.WriteUInt32(subscription)),
            9 => RawClient.Encode(Opcode.Peek, id, b =>
            {
                b.WriteString(_random.Next(2) == 0 ? "fuzz" : "healthy");
                b.WriteVarint((ulong)_random.Next(0, 20));
            }),
            10 => RawClient.Encode(Opcode.Backlog, id, b =>
            {
                b.WriteString("fuzz");
                b.WriteString("fuzz-group");
            }),
            _ => RawClient.Encode(Opcode.Ping, id),
        };
    }

    private Message RandomMessage()
    {
        var body = new byte[_random.Next(0, 256)];
        _random.NextBytes(body);
        var message = new Message(body) { Key = _random.Next(2) == 0 ? null : "k" + _random.Next(10), TimeToLive = _random.Next(3) == 0 ? TimeSpan.FromSeconds(1) : null };
        if (_random.Next(2) == 0)
        {
            message.Headers["h" + _random.Next(5)] = "v";
        }

        return message;
    }
}
