using Microsoft.Extensions.Logging;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class RecoveryTests : IDisposable
{
    // 100-byte bodies without key or extras encode to 128 bytes: 64 records per 8 KiB segment.
    private const int RecordBytes = RecordFormat.FixedSize + 100;
    private static readonly LogOptions SmallSegments = new() { SegmentBytes = 64 * RecordBytes, IndexIntervalBytes = 512 };

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_TailCutMidRecord_TruncatesTornRecordAndReportsIt()
    {
        WriteClosedLog(_temp.Path, 100, LogOptions.Default);
        var segment = Path.Combine(_temp.Path, LogSegment.FileName(0));
        Truncate(segment, (100 * RecordBytes) - 10);
        var logger = new CapturingLogger();

        using var log = SegmentedLog.Open(_temp.Path, LogOptions.Default, logger);

        var report = Assert.IsType<LogRecoveryReport>(log.RecoveryReport);
        Assert.Equal(segment, report.SegmentPath);
        Assert.Equal(99 * RecordBytes, report.FilePosition);
        Assert.Equal(99, report.Offset);
        Assert.Equal(LogCorruptionReason.Torn, report.Reason);
        Assert.Equal(RecordBytes - 10, report.BytesTruncated);
        Assert.Equal(0, report.DiscardedValidRecords);
        Assert.Null(report.QuarantinePath);
        Assert.Equal(99 * RecordBytes, new FileInfo(segment).Length);
        Assert.Equal(99, log.NextOffset);
        AssertIntact(log, 99);
        var entry = Assert.Single(logger.Entries, e => e.EventId.Id == 2101);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("offset 99", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FlippedByteInLastTailRecord_TruncatesItAndKeepsEarlierRecords()
    {
        WriteClosedLog(_temp.Path, 100, LogOptions.Default);
        FlipByte(Path.Combine(_temp.Path, LogSegment.FileName(0)), (99 * RecordBytes) + 60);

        using var log = SegmentedLog.Open(_temp.Path);

        var report = Assert.IsType<LogRecoveryReport>(log.RecoveryReport);
        Assert.Equal(LogCorruptionReason.ChecksumMismatch, report.Reason);
        Assert.Equal(99, report.Offset);
        Assert.Equal(RecordBytes, report.BytesTruncated);
        AssertIntact(log, 99);
    }

    [Fact]
    public void Open_FlippedByteInMiddleOfTail_TruncatesThereQuarantinesAndReportsDiscardedRecords()
    {
        WriteClosedLog(_temp.Path, 100, LogOptions.Default);
        var segment = Path.Combine(_temp.Path, LogSegment.FileName(0));
        var original = File.ReadAllBytes(segment);
        FlipByte(segment, (50 * RecordBytes) + 60);
        var logger = new CapturingLogger();

        using var log = SegmentedLog.Open(_temp.Path, LogOptions.Default, logger);

        var report = Assert.IsType<LogRecoveryReport>(log.RecoveryReport);
        Assert.Equal(50, report.Offset);
        Assert.Equal(LogCorruptionReason.ChecksumMismatch, report.Reason);
        Assert.Equal(50 * RecordBytes, report.BytesTruncated);
        Assert.Equal(49, report.DiscardedValidRecords);
        var quarantined = File.ReadAllBytes(report.QuarantinePath!);
        Assert.Equal(original.AsSpan(50 * RecordBytes).Length, quarantined.Length);
        Assert.Equal(original.AsSpan((51 * RecordBytes)..).ToArray(), quarantined.AsSpan(RecordBytes).ToArray());
        Assert.Equal(50, log.NextOffset);
        AssertIntact(log, 50);
        Assert.Contains(logger.Entries, e => e.EventId.Id == 2102 && e.Level == LogLevel.Error);
    }

    [Fact]
    public void Open_ZerosAfterLastRecord_TruncatesThemAsInvalidLength()
    {
        WriteClosedLog(_temp.Path, 10, LogOptions.Default);
        using (var stream = new FileStream(Path.Combine(_temp.Path, LogSegment.FileName(0)), FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        using var log = SegmentedLog.Open(_temp.Path);

        Assert.Equal(LogCorruptionReason.InvalidLength, log.RecoveryReport!.Reason);
        Assert.Equal(4096, log.RecoveryReport.BytesTruncated);
        AssertIntact(log, 10);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(60)]
    public void Read_FlippedByteInSealedSegment_ThrowsNamingSegmentAndOffsetAndResumesAfterIt(int byteInRecord)
    {
        WriteClosedLog(_temp.Path, 1000, SmallSegments);
        var segment = Path.Combine(_temp.Path, LogSegment.FileName(128));
        FlipByte(segment, (22 * RecordBytes) + byteInRecord);
        var logger = new CapturingLogger();

        using var log = SegmentedLog.Open(_temp.Path, SmallSegments, logger);

        Assert.Null(log.RecoveryReport);
        var before = log.Read(128, maxRecords: 1000);
        Assert.Equal(Enumerable.Range(128, 22).Select(i => (long)i), before.Select(r => r.Offset));
        var error = Assert.Throws<StorageException>(() => log.Read(150));
        Assert.Equal(StorageErrorKind.Corruption, error.Kind);
        Assert.Equal(segment, error.Path);
        Assert.Equal(150, error.Offset);
        Assert.Equal(151, error.NextValidOffset);
        Assert.Equal(22 * RecordBytes, error.FilePosition);
        Assert.Contains(LogSegment.FileName(128), error.Message, StringComparison.Ordinal);
        Assert.Contains("offset 150", error.Message, StringComparison.Ordinal);
        var after = log.Read(151, maxRecords: 1000);
        Assert.Equal(151, after[0].Offset);
        TestRecords.AssertIs(151, after[0]);
        Assert.Equal(191, after[^1].Offset);
        Assert.Contains(logger.Entries, e => e.EventId.Id == 2104 && e.Level == LogLevel.Error);
    }

    [Fact]
    public void Read_SealedSegmentCutShort_ReportsMissingRecordsUpToNextSegment()
    {
        WriteClosedLog(_temp.Path, 200, SmallSegments);
        Truncate(Path.Combine(_temp.Path, LogSegment.FileName(64)), 60 * RecordBytes);

        using var log = SegmentedLog.Open(_temp.Path, SmallSegments);

        Assert.Equal(60, log.Read(64, maxRecords: 1000).Count);
        var error = Assert.Throws<StorageException>(() => log.Read(124));
        Assert.Equal(LogCorruptionReason.MissingRecords, error.Reason);
        Assert.Equal(128, error.NextValidOffset);
        Assert.Equal(128, log.Read(128)[0].Offset);
    }

    [Fact]
    public async Task Open_CopyOfLiveLogCutAtRandomPoints_RecoversEveryRecordBeforeTheCut()
    {
        var live = SegmentedLog.Open(_temp.Combine("live"), SmallSegments);
        try
        {
            for (var i = 0; i < 300; i++)
            {
                live.Append(TestRecords.Create(i));
            }

            await live.CommitAsync();
            var random = new Random(1234);
            for (var attempt = 0; attempt < 20; attempt++)
            {
                // A crash image: the files as they are while the log is still open, tail cut anywhere.
                var copy = _temp.Combine($"crash-{attempt}");
                Directory.CreateDirectory(copy);
                foreach (var file in Directory.GetFiles(live.Directory))
                {
                    File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
                }

                var tail = Directory.GetFiles(copy, "*.log").Max()!;
                var tailBase = long.Parse(Path.GetFileNameWithoutExtension(tail), System.Globalization.CultureInfo.InvariantCulture);
                var cut = random.Next(0, (int)new FileInfo(tail).Length + 1);
                Truncate(tail, cut);

                using var recovered = SegmentedLog.Open(copy, SmallSegments);

                var complete = tailBase + (cut / RecordBytes);
                Assert.Equal(complete, recovered.NextOffset);
                Assert.Equal(cut % RecordBytes == 0, recovered.RecoveryReport is null);
                AssertIntact(recovered, complete);
            }
        }
        finally
        {
            await live.DisposeAsync();
        }
    }

    private static void WriteClosedLog(string directory, int count, LogOptions options)
    {
        using var log = SegmentedLog.Open(directory, options);
        for (var i = 0; i < count; i++)
        {
            log.Append(TestRecords.Create(i));
        }
    }

    private static void AssertIntact(SegmentedLog log, long count)
    {
        var records = TestRecords.ReadAll(log);
        Assert.Equal(count, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(i, records[i].Offset);
            TestRecords.AssertIs(i, records[i]);
        }
    }

    private static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }

    private static void FlipByte(string path, long position)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = position;
        var value = stream.ReadByte();
        stream.Position = position;
        stream.WriteByte((byte)(value ^ 0x5A));
    }
}
