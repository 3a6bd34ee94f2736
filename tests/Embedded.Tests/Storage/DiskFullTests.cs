using System.Collections.Concurrent;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class DiskFullTests : IDisposable
{
    private const int BodyBytes = 1000;
    private static readonly LogOptions Options = new() { SegmentBytes = 128 * 1024, FlushPolicy = FlushPolicy.EveryWrite };

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [TmpfsFact]
    public async Task AppendAsync_DiskFills_FailsClearlyAndKeepsEveryDurableRecord()
    {
        using var disk = Tmpfs.Mount(_temp.Combine("disk"), "1m");
        var directory = Path.Combine(disk.MountPoint, "log");
        var durable = new ConcurrentDictionary<long, long>();
        var failures = new ConcurrentBag<StorageException>();

        await using (var log = SegmentedLog.Open(directory, Options))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(appender => Task.Run(async () =>
            {
                for (long number = appender * 1_000_000L; ; number++)
                {
                    try
                    {
                        durable[await log.AppendAsync(TestRecords.Create(number, BodyBytes))] = number;
                    }
                    catch (StorageException exception)
                    {
                        failures.Add(exception);
                        return;
                    }
                }
            })));

            // Appenders waiting on a record learn the cause; one that appends after the failure is told the log stopped.
            Assert.Equal(4, failures.Count);
            var diskFull = failures.First(f => f.Kind == StorageErrorKind.DiskFull);
            Assert.All(failures, f => Assert.Same(diskFull, f.Kind == StorageErrorKind.LogStopped ? f.InnerException : f));
            Assert.StartsWith(directory, diskFull.Path, StringComparison.Ordinal);
            Assert.Contains("the disk is full", diskFull.Message, StringComparison.Ordinal);
            Assert.Contains("they were not stored", diskFull.Message, StringComparison.Ordinal);
            Assert.Equal(durable.Count, diskFull.Offset);
            Assert.Equal(durable.Count, log.DurableEndOffset);
            var stopped = Assert.Throws<StorageException>(() => log.Append(TestRecords.Create(0, BodyBytes)));
            Assert.Equal(StorageErrorKind.LogStopped, stopped.Kind);
            Assert.True(durable.Count > 500, $"only {durable.Count} records fit");
            AssertDurableRecordsReadable(log, durable);
        }

        await using (var reopened = SegmentedLog.Open(directory, Options))
        {
            // The failed batch was cut off again, so the disk-full reopen needs no recovery.
            Assert.Null(reopened.RecoveryReport);
            Assert.Equal(durable.Count, reopened.NextOffset);
            AssertDurableRecordsReadable(reopened, durable);
        }

        await using var freed = SegmentedLog.Open(directory, Options with { RetentionBytes = 512 * 1024 });
        Assert.True(freed.ApplyRetention(DateTimeOffset.UtcNow) > 0);
        var offset = await freed.AppendAsync(TestRecords.Create(42, BodyBytes));
        Assert.Equal(durable.Count, offset);
        TestRecords.AssertIs(42, freed.Read(offset)[0], BodyBytes);
    }

    private static void AssertDurableRecordsReadable(SegmentedLog log, ConcurrentDictionary<long, long> durable)
    {
        var records = TestRecords.ReadAll(log).ToDictionary(r => r.Offset);
        foreach (var (offset, number) in durable)
        {
            TestRecords.AssertIs(number, records[offset], BodyBytes);
        }
    }
}
