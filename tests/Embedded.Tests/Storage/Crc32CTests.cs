using System.Text;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class Crc32CTests
{
    private static readonly byte[] CheckInput = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Compute_StandardCheckInput_ReturnsCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(CheckInput));

    [Fact]
    public void ComputeSoftware_StandardCheckInput_ReturnsCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C.ComputeSoftware(CheckInput));

    [Fact]
    public void Compute_EmptyInput_ReturnsZero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Compute_RandomInputsOfEveryLength_MatchesSoftwarePath()
    {
        var random = new Random(42);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Crc32C.ComputeSoftware(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Append_InputSplitAnywhere_EqualsOneShot()
    {
        var data = new byte[100];
        new Random(7).NextBytes(data);
        var expected = Crc32C.Compute(data);
        for (var split = 0; split <= data.Length; split++)
        {
            Assert.Equal(expected, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }
}
