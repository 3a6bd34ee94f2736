using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Omnibus.Codecs;

namespace Omnibus.Bench.Micro;

/// <summary>
/// Round trip of a string: the <see cref="BodyCodec"/> fast path (UTF-8 bytes and back) against System.Text.Json
/// (a quoted JSON string and back). The UTF-8 array and the decoded string are inherent to both; the third row is
/// that inherent work alone, the floor any string codec has to pay.
/// </summary>
[MemoryDiagnoser]
public class StringCodecBenchmarks
{
    private string _payload = string.Empty;

    [Params(100, 1024)]
    public int Size { get; set; }

    /// <summary>Where the fast path leaves its message, so it is heap-allocated as a published one is.</summary>
    public Message? LastMessage { get; private set; }

    [GlobalSetup]
    public void Setup() => _payload = CodecPayloads.Text(Size);

    [Benchmark(Baseline = true, Description = "Json round trip")]
    public string Json() => JsonSerializer.Deserialize<string>(JsonSerializer.SerializeToUtf8Bytes(_payload))!;

    [Benchmark(Description = "BodyCodec round trip")]
    public string FastPath()
    {
        var message = BodyCodec.Encode(_payload);
        LastMessage = message;
        return BodyCodec.Decode<string>(message);
    }

    [Benchmark(Description = "UTF-8 only (floor)")]
    public string Utf8Only() => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(_payload));
}
