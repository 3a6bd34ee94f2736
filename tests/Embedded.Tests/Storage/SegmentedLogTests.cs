using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class SegmentedLogTests : IDisposable
{
    private static readonly LogOptions SmallSegments = new() { SegmentBytes = 8 * 1024, IndexIntervalBytes = 512 };

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AppendAndRead_AcrossSegmentRolls_ReturnsEveryRecordIntact()
    {
        await using var log = SegmentedLog.Open(_temp.Path, SmallSegments);
        for (var i = 0; i < 1000; i++)
        {
            log.Append(TestRecords.Create(i));
        }

        await log.CommitAsync();

        var records = TestRecords.ReadAll(log);
        Assert.Equal(1000, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(i, records[i].Offset);
            TestRecords.AssertIs(i, records[i]);
        }

        Assert.True(log.SegmentCount > 10, $"expected many segments, got {log.SegmentCount}");
        Assert.All(Directory.GetFiles(_temp.Path, "*.log"), f => Assert.True(new FileInfo(f).Length <= SmallSegments.SegmentBytes));
    }

    [Fact]
    public async Task Read_FromMiddleOffset_StartsExactlyThere()
    {
        await using var log = SegmentedLog.Open(_temp.Path, SmallSegments);
        for (var i = 0; i < 500; i++)
        {
            log.Append(TestRecords.Create(i));
        }

        await log.CommitAsync();

        foreach (var from in new long[] { 0, 1, 63, 64, 250, 499 })
        {
            var records = log.Read(from, maxRecords: 3);
            Assert.Equal(from, records[0].Offset);
            TestRecords.AssertIs(from, records[0]);
        }
    }

    [Fact]
    public async Task Append_ManyRecords_OffsetsAreDenseAndMonotonic()
    {
        await using var log = SegmentedLog.Open(_temp.Path, SmallSegments);

        var offsets = Enumerable.Range(0, 2000).Select(i => log.Append(TestRecords.Create(i))).ToList();

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), offsets);
        Assert.Equal(2000, log.NextOffset);
    }

    [Fact]
    public async Task Read_WithMaxBytesSmallerThanRecord_ReturnsOneRecord()
    {
        await using var log = SegmentedLog.Open(_temp.Path);
        log.Append(TestRecords.Create(0, bodyBytes: 5000));
        log.Append(TestRecords.Create(1, bodyBytes: 5000));
        await log.CommitAsync();

        var records = log.Read(0, maxRecords: 10, maxBytes: 100);

        Assert.Single(records);
    }

    [Fact]
    public async Task Read_BeforeCommitWithLongInterval_SeesNothingUntilDurable()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushInterval = TimeSpan.FromSeconds(30) });
        log.Append(TestRecords.Create(0));

        Assert.Empty(log.Read(0));
        Assert.Equal(0, log.DurableEndOffset);

        await log.CommitAsync();

        Assert.Single(log.Read(0));
        Assert.Equal(1, log.DurableEndOffset);
    }

    [Fact]
    public async Task Read_BeyondNextOffset_ThrowsNamingOffset()
    {
        await using var log = SegmentedLog.Open(_temp.Path);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(5));

        Assert.Contains("next offset is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_RecordOverMaxRecordBytes_ThrowsNamingSizeAndLimit()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { MaxRecordBytes = 1024 });

        var error = Assert.Throws<ArgumentException>(() => log.Append(TestRecords.Create(0, bodyBytes: 2000)));

        Assert.Contains("2028 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRecordBytes (1024)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.NextOffset);
    }

    [Fact]
    public async Task Open_AfterCleanClose_ServesAllRecordsAndContinuesOffsets()
    {
        using (var log = SegmentedLog.Open(_temp.Path, SmallSegments))
        {
            for (var i = 0; i < 300; i++)
            {
                log.Append(TestRecords.Create(i));
            }
        }

        await using var reopened = SegmentedLog.Open(_temp.Path, SmallSegments);

        Assert.Null(reopened.RecoveryReport);
        Assert.Equal(300, reopened.NextOffset);
        Assert.Equal(300, reopened.DurableEndOffset);
        Assert.Equal(300, reopened.Append(TestRecords.Create(300)));
        await reopened.CommitAsync();
        var records = TestRecords.ReadAll(reopened);
        Assert.Equal(Enumerable.Range(0, 301).Select(i => (long)i), records.Select(r => r.Offset));
        TestRecords.AssertIs(300, records[300]);
    }

    [Fact]
    public async Task Append_EightConcurrentThreads_EveryRecordReadableOnceInOrderPerThread()
    {
        const int Threads = 8;
        const int PerThread = 10_000;
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { SegmentBytes = 1024 * 1024 });
        using var start = new Barrier(Threads);

        var writers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                log.Append(TestRecords.Create((t * 1_000_000L) + i, bodyBytes: 40));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers);
        await log.CommitAsync();

        var records = TestRecords.ReadAll(log);
        Assert.Equal(Threads * PerThread, records.Count);
        Assert.Equal(Enumerable.Range(0, Threads * PerThread).Select(i => (long)i), records.Select(r => r.Offset));
        var perThread = records.Select(TestRecords.NumberOf).GroupBy(n => n / 1_000_000).ToList();
        Assert.Equal(Threads, perThread.Count);
        Assert.All(perThread, g => Assert.Equal(Enumerable.Range(0, PerThread).Select(i => g.Key * 1_000_000 + i), g));
    }

    [Fact]
    public async Task Append_AfterDispose_ThrowsObjectDisposed()
    {
        var log = SegmentedLog.Open(_temp.Path);
        await log.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => log.Append(TestRecords.Create(0)));
    }
}
