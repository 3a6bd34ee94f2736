using Omnibus.Embedded.Internal.Storage;
using Xunit.Abstractions;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class GroupCommitTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AppendAsync_EightConcurrentAppendersUnderEveryWrite_ShareFsyncs()
    {
        const int Appenders = 8;
        const int PerAppender = 300;
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushPolicy = FlushPolicy.EveryWrite });

        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < PerAppender; i++)
            {
                var offset = await log.AppendAsync(TestRecords.Create(i));
                Assert.True(log.DurableEndOffset > offset);
            }
        })));

        const int Records = Appenders * PerAppender;
        output.WriteLine($"{Records} records awaited one by one by {Appenders} appenders: {log.FsyncCount} fsyncs");
        Assert.True(log.FsyncCount <= Records / 2, $"{log.FsyncCount} fsyncs for {Records} records: appends were not batched");
    }

    [Fact]
    public async Task AppendAsync_OneAppenderUnderEveryWrite_FsyncsEachRecord()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushPolicy = FlushPolicy.EveryWrite });

        for (var i = 0; i < 200; i++)
        {
            var offset = await log.AppendAsync(TestRecords.Create(i));
            Assert.Equal(offset + 1, log.DurableEndOffset);
        }

        output.WriteLine($"200 records awaited one by one by 1 appender: {log.FsyncCount} fsyncs");
        Assert.Equal(200, log.FsyncCount);
    }

    [Fact]
    public async Task CommitAsync_ThousandsOfAppendsBeforeIt_CoversThemWithOneFsync()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushInterval = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < 10_000; i++)
        {
            log.Append(TestRecords.Create(i));
        }

        await log.CommitAsync();

        Assert.Equal(1, log.FsyncCount);
        Assert.Equal(10_000, log.DurableEndOffset);
    }

    [Fact]
    public async Task WaitForDurableAsync_IntervalPolicy_CompletesThroughBackgroundFlush()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushInterval = TimeSpan.FromMilliseconds(5) });
        var offsets = Enumerable.Range(0, 100).Select(i => log.Append(TestRecords.Create(i))).ToList();

        await log.WaitForDurableAsync(offsets[^1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(100, log.DurableEndOffset);
        Assert.InRange(log.FsyncCount, 1, 100);
    }

    [Fact]
    public async Task Append_NeverPolicy_ReadableWithoutFsyncUntilCommit()
    {
        await using var log = SegmentedLog.Open(_temp.Path, new LogOptions { FlushPolicy = FlushPolicy.Never, FlushInterval = TimeSpan.FromMilliseconds(1) });
        for (var i = 0; i < 100; i++)
        {
            log.Append(TestRecords.Create(i));
        }

        Assert.True(SpinWait.SpinUntil(() => log.ReadableEndOffset == 100, TimeSpan.FromSeconds(10)));
        Assert.Equal(100, TestRecords.ReadAll(log).Count);
        Assert.Equal(0, log.FsyncCount);
        Assert.Equal(0, log.DurableEndOffset);

        await log.WaitForDurableAsync(99);

        Assert.Equal(1, log.FsyncCount);
        Assert.Equal(100, log.DurableEndOffset);
    }

    [Fact]
    public async Task WaitForDurableAsync_OffsetNotAppended_ThrowsNamingNextOffset()
    {
        await using var log = SegmentedLog.Open(_temp.Path);
        log.Append(TestRecords.Create(0));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => log.WaitForDurableAsync(3));

        Assert.Contains("next offset is 1", error.Message, StringComparison.Ordinal);
    }
}
