using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class RetentionTests : IDisposable
{
    private const int SegmentBytes = 64 * (RecordFormat.FixedSize + 100);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ApplyRetention_SizeExceeded_DeletesOldestWholeSegmentsOnly()
    {
        var options = new LogOptions { SegmentBytes = SegmentBytes, RetentionBytes = (3L * SegmentBytes) + 1 };
        await using var log = await FillAsync(options, segments: 10);
        var survivors = Directory.GetFiles(_temp.Path, "*.log").Order().TakeLast(3).ToDictionary(f => f, File.ReadAllBytes);

        var deleted = log.ApplyRetention(DateTimeOffset.UtcNow);

        Assert.Equal(7, deleted);
        Assert.Equal(survivors.Keys, Directory.GetFiles(_temp.Path, "*.log").Order());
        Assert.All(survivors, s => Assert.Equal(s.Value, File.ReadAllBytes(s.Key)));
        Assert.Equal(448, log.StartOffset);
        Assert.Equal(448, log.Read(448)[0].Offset);
        var error = Assert.Throws<StorageException>(() => log.Read(0));
        Assert.Equal(StorageErrorKind.OffsetOutOfRange, error.Kind);
        Assert.Equal(448, error.NextValidOffset);
    }

    [Fact]
    public async Task ApplyRetention_AgeExceeded_DeletesOldSegmentsUpToFirstYoungOne()
    {
        var options = new LogOptions { SegmentBytes = SegmentBytes, RetentionAge = TimeSpan.FromHours(1) };
        await using var log = await FillAsync(options, segments: 10);
        var files = Directory.GetFiles(_temp.Path, "*.log").Order().ToList();
        var old = DateTime.UtcNow.AddHours(-2);
        foreach (var file in files.Take(4).Append(files[5]))
        {
            File.SetLastWriteTimeUtc(file, old);
        }

        var deleted = log.ApplyRetention(DateTimeOffset.UtcNow);

        // Segment 5 is old too, but segment 4 is young: deleting 5 would leave a hole in the log.
        Assert.Equal(4, deleted);
        Assert.Equal(files.Skip(4), Directory.GetFiles(_temp.Path, "*.log").Order());
        Assert.Equal(256, log.StartOffset);
        Assert.Equal(640 - 256, TestRecords.ReadAll(log, 256).Count);
    }

    [Fact]
    public async Task ApplyRetention_ActiveSegmentOldAndOverSize_IsNeverDeleted()
    {
        var options = new LogOptions { RetentionBytes = 1, RetentionAge = TimeSpan.FromMinutes(1) };
        await using var log = SegmentedLog.Open(_temp.Path, options);
        log.Append(TestRecords.Create(0));
        await log.CommitAsync();
        File.SetLastWriteTimeUtc(Path.Combine(_temp.Path, LogSegment.FileName(0)), DateTime.UtcNow.AddDays(-1));

        Assert.Equal(0, log.ApplyRetention(DateTimeOffset.UtcNow));
        Assert.Single(log.Read(0));
    }

    [Fact]
    public async Task ApplyRetention_NoLimitsConfigured_DeletesNothing()
    {
        await using var log = await FillAsync(new LogOptions { SegmentBytes = SegmentBytes }, segments: 3);

        Assert.Equal(0, log.ApplyRetention(DateTimeOffset.UtcNow.AddYears(10)));
        Assert.Equal(3, log.SegmentCount);
    }

    private async Task<SegmentedLog> FillAsync(LogOptions options, int segments)
    {
        var log = SegmentedLog.Open(_temp.Path, options);
        for (var i = 0; i < segments * 64; i++)
        {
            log.Append(TestRecords.Create(i));
        }

        await log.CommitAsync();
        Assert.Equal(segments, log.SegmentCount);
        return log;
    }
}
