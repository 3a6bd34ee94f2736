using Omnibus.Embedded.Internal.Engine;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>Retention and segment sizes are 64-bit from the connection string to the log.</summary>
public sealed class RetentionSizeTests : IDisposable
{
    private const long TenGiB = 10L * 1024 * 1024 * 1024;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void From_RetentionBytesAbove2GiB_IsParsedAsThatNumber()
    {
        var settings = EmbeddedSettings.From(ConnectionString.Parse($"embedded://{_temp.Path}?retentionBytes={TenGiB}"), _temp.Path);

        Assert.Equal(TenGiB, settings.RetentionBytes);
        Assert.Equal(TenGiB, settings.LogOptions.RetentionBytes);
    }

    [Fact]
    public void From_SegmentBytesAbove2GiB_IsRefusedNamingTheRange()
    {
        var e = Assert.Throws<OmnibusConfigurationException>(() => EmbeddedSettings.From(ConnectionString.Parse($"embedded://{_temp.Path}?segmentBytes={TenGiB}"), _temp.Path));

        Assert.Equal("segmentBytes", e.Setting);
        Assert.Contains("from 1048576 to 1073741824", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TenGiB, false)]
    [InlineData(1024 * 1024, true)]
    public async Task ApplyRetention_OverThreeMiBOfSegments_DeletesOnlyWhatTheLimitExceeds(long retentionBytes, bool trimmed)
    {
        // The 1 MiB row shows the log is big enough to be trimmed, so the 10 GiB row keeping it all is that limit at work.
        var directory = _temp.Combine(retentionBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var broker = Broker.Connect($"embedded://{directory}?retentionBytes={retentionBytes}&segmentBytes=1048576");
        await Task.WhenAll(Enumerable.Range(0, 3500).Select(i => broker.PublishAsync("t", new Message(new byte[1000]) { Id = $"m{i}" }).AsTask()));
        var engine = BrokerEngine.FindOpen(directory)!;
        var log = engine.FindTopic("t")!.Log[0];

        // The engine's maintenance may have applied retention already; the start offset says what is kept either way.
        log.ApplyRetention(DateTimeOffset.UtcNow);
        Assert.Equal(retentionBytes, engine.Settings.LogOptions.RetentionBytes);
        Assert.Equal(trimmed, log.StartOffset > 0);
        Assert.Equal(3500, log.NextOffset);
    }
}
