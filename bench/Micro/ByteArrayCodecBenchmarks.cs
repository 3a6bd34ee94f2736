using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Omnibus.Codecs;

namespace Omnibus.Bench.Micro;

/// <summary>
/// Round trip of a <see cref="byte"/> array: the <see cref="BodyCodec"/> fast path (wrap, hand back the same array)
/// against System.Text.Json (base64 text and back). Target: fast path ≥ 8x faster, allocating only the message.
/// </summary>
[MemoryDiagnoser]
public class ByteArrayCodecBenchmarks
{
    private byte[] _payload = [];

    [Params(100, 1024)]
    public int Size { get; set; }

    /// <summary>
    /// Where the fast path leaves its message. Without it the JIT sees the message die inside the benchmark and
    /// allocates it on the stack, which a published message never is.
    /// </summary>
    public Message? LastMessage { get; private set; }

    [GlobalSetup]
    public void Setup() => _payload = CodecPayloads.Bytes(Size);

    [Benchmark(Baseline = true, Description = "Json round trip")]
    public byte[] Json() => JsonSerializer.Deserialize<byte[]>(JsonSerializer.SerializeToUtf8Bytes(_payload))!;

    [Benchmark(Description = "BodyCodec round trip")]
    public byte[] FastPath()
    {
        var message = BodyCodec.Encode(_payload);
        LastMessage = message;
        return BodyCodec.Decode<byte[]>(message);
    }
}
