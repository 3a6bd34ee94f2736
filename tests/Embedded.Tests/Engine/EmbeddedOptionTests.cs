using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>Options embedded:// cannot honour fail at Connect, naming the option and what is allowed, never at the first publish.</summary>
public sealed class EmbeddedOptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Theory]
    [InlineData("qos=3", "qos", "from 0 to 2")]
    [InlineData("retentionBytes=1000", "retentionBytes", "at least 1048576")]
    [InlineData("segmentBytes=2147483648", "segmentBytes", "from 1048576 to 1073741824")]
    [InlineData("flush=sometimes", "flush", "one of interval, every-write, never")]
    [InlineData("partitions=0", "partitions", "from 1 to 64")]
    [InlineData("visibilityTimeout=10ms", "visibilityTimeout", "a duration from 1000ms")]
    public void Connect_ValueItCannotHonour_FailsAtConnectNamingIt(string query, string option, string allowed)
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect($"embedded://{_temp.Path}?{query}"));
        Assert.Equal(option, e.Setting);
        Assert.Contains("embedded://", e.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_Credentials_FailAtConnect() =>
        Assert.Equal("credentials", Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect($"embedded://user:pw@{_temp.Path}")).Setting);

    [Fact]
    public async Task Connect_DirectoryOpenWithOtherStorageOptions_FailsAtConnect_NotAtThePublish()
    {
        await using var first = Broker.Connect($"embedded://{_temp.Path}?partitions=1");
        await first.PublishAsync("t", new Message()); // the engine is open now
        var e = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect($"embedded://{_temp.Path}?partitions=4"));
        Assert.Contains("already open in this process with other options", e.Message, StringComparison.Ordinal);

        // qos may differ between connections of one directory.
        await using var other = Broker.Connect($"embedded://{_temp.Path}?partitions=1&qos=2");
        await other.PublishAsync("t", new Message());
    }

    public void Dispose() => _temp.Dispose();
}
