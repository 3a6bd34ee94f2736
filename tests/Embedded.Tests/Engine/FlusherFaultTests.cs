using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Engine;
using Omnibus.Embedded.Internal.Storage;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>
/// A failing journal flusher stops the engine visibly: a failure thrown on the flusher's own thread (through its test
/// seam), and a real full disk under the group journal.
/// </summary>
public sealed class FlusherFaultTests : IDisposable
{
    private const int StoppedEventId = 2207;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _temp = new();
    private readonly CapturingLogger _log = new();
    private readonly ILoggerFactory _loggerFactory;

    public FlusherFaultTests() => _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));

    [Fact]
    public async Task Flush_ThrowsNonIoException_FailsTheWaitingAckThenEveryPublishAckNackAndRead()
    {
        var directory = _temp.Combine("data");
        await using var driver = Open(directory);
        await using var source = await driver.OpenAsync(new ConsumerSpec(new SubscriptionOptions("t", "g"), batch: false), CancellationToken.None);
        var deliveries = await PublishAndReadAsync(driver, source, 3);

        var cause = new InvalidOperationException("injected flusher failure");
        var flushing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        BrokerEngine.FindOpen(directory)!.Flusher.BeforeFlush = () =>
        {
            flushing.TrySetResult();
            release.Wait(Timeout);
            throw cause;
        };

        // qos 2: the acknowledgement waits for the journal flush, which the seam holds on the flusher thread, then fails.
        var waiting = deliveries[0].AckAsync().AsTask();
        await flushing.Task.WaitAsync(Timeout);
        Assert.False(waiting.IsCompleted, "the acknowledgement completed before its flush");
        release.Set();
        var ackError = await Assert.ThrowsAsync<StorageException>(() => waiting.WaitAsync(Timeout));
        Assert.Equal(StorageErrorKind.EngineStopped, ackError.Kind);
        Assert.Same(cause, ackError.InnerException);
        Assert.Contains("journal flusher failed", ackError.Message, StringComparison.Ordinal);
        Assert.Contains("injected flusher failure", ackError.Message, StringComparison.Ordinal);

        await AssertStoppedAsync(driver, source, deliveries[1], deliveries[2], cause);

        // Closing after the fault releases the directory (it used to throw the flusher's failure), and a reopened engine works.
        await source.DisposeAsync();
        await driver.DisposeAsync();
        await using var reopened = Open(directory);
        await reopened.PublishAsync("t", Message.FromString("after reopen"), CancellationToken.None);
        Assert.True(reopened.Health.IsHealthy);
        Assert.Single(_log.Entries, e => e.EventId.Id == StoppedEventId);
    }

    [TmpfsFact]
    public async Task Flush_DiskFull_StopsTheEngineWithTheIoErrorAsTheCause()
    {
        using var disk = Tmpfs.Mount(_temp.Combine("disk"), "2m");
        var directory = Path.Combine(disk.MountPoint, "data");
        await using var driver = Open(directory);
        // Room for many deliveries in hand: each hand-out and each acknowledgement is a record in the group's journal.
        await using var source = await driver.OpenAsync(new ConsumerSpec(new SubscriptionOptions("t", "g") { Concurrency = 500 }, batch: false), CancellationToken.None);
        var deliveries = await PublishAndReadAsync(driver, source, 1000);

        // The disk is full; acknowledgements fill the journal's last page until one needs a page the disk no longer has.
        Fill(disk.MountPoint);
        StorageException? ackError = null;
        for (var i = 0; i < deliveries.Count - 2 && ackError is null; i++)
        {
            try
            {
                await deliveries[i].AckAsync().AsTask().WaitAsync(Timeout);
            }
            catch (StorageException e)
            {
                ackError = e;
            }
        }

        Assert.True(ackError is not null, "no acknowledgement of 998 needed a new journal page");
        Assert.Equal(StorageErrorKind.DiskFull, ackError.Kind);
        Assert.True(StorageException.IsDiskFull(ackError.InnerException!), $"not ENOSPC: {ackError.InnerException}");
        Assert.Contains("the disk is full", ackError.Message, StringComparison.Ordinal);

        // The acknowledgement heard its own journal's failure; the engine stops on the same failure right after.
        var deadline = DateTime.UtcNow + Timeout;
        while (driver.Health.IsHealthy)
        {
            Assert.True(DateTime.UtcNow < deadline, "the engine did not stop after the journal failed");
            await Task.Delay(1);
        }

        await AssertStoppedAsync(driver, source, deliveries[^2], deliveries[^1], ackError);
    }

    public void Dispose()
    {
        _loggerFactory.Dispose();
        _temp.Dispose();
    }

    /// <summary>Publishes, acknowledgements, rejections, reads and the health all carry <paramref name="cause"/>; the log said it once.</summary>
    private async Task AssertStoppedAsync(IBrokerDriver driver, IDeliverySource source, Delivery toAck, Delivery toNack, Exception cause)
    {
        var health = driver.Health;
        Assert.False(health.IsHealthy);
        Assert.Same(cause, health.Cause);

        var publish = await Assert.ThrowsAsync<PublishException>(async () => await driver.PublishAsync("t", Message.FromString("after"), CancellationToken.None));
        Assert.Same(cause, publish.InnerException);
        Assert.Contains(cause.Message, publish.Message, StringComparison.Ordinal);
        var batch = await driver.PublishBatchAsync("t", [Message.FromString("a"), Message.FromString("b")], CancellationToken.None);
        Assert.All(Enumerable.Range(0, 2), i => Assert.Same(cause, Assert.IsType<PublishException>(batch.ErrorOf(i)).InnerException));

        var ack = await Assert.ThrowsAsync<StorageException>(async () => await toAck.AckAsync());
        Assert.Equal(StorageErrorKind.EngineStopped, ack.Kind);
        Assert.Same(cause, ack.InnerException);
        Assert.Same(cause, (await Assert.ThrowsAsync<StorageException>(async () => await toNack.NackAsync(TimeSpan.Zero))).InnerException);
        Assert.Same(cause, (await Assert.ThrowsAsync<StorageException>(async () => await source.WaitToReadAsync(CancellationToken.None))).InnerException);

        var stopped = Assert.Single(_log.Entries, e => e.EventId.Id == StoppedEventId);
        Assert.Equal(LogLevel.Critical, stopped.Level);
        Assert.Contains("journal flusher failed", stopped.Message, StringComparison.Ordinal);
    }

    private IBrokerDriver Open(string directory) =>
        new EmbeddedDriverFactory().Create(ConnectionString.Parse($"embedded://{directory}?qos=2"), _loggerFactory);

    private static async Task<List<Delivery>> PublishAndReadAsync(IBrokerDriver driver, IDeliverySource source, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await driver.PublishAsync("t", Message.FromString($"m{i}"), CancellationToken.None);
        }

        using var deadline = new CancellationTokenSource(Timeout);
        var deliveries = new List<Delivery>();
        while (deliveries.Count < count && await source.WaitToReadAsync(deadline.Token))
        {
            while (deliveries.Count < count && source.TryRead(out var delivery))
            {
                deliveries.Add(delivery);
            }
        }

        Assert.Equal(count, deliveries.Count);
        return deliveries;
    }

    /// <summary>Writes a file until the disk has no page left, in ever smaller pieces.</summary>
    private static void Fill(string mountPoint)
    {
        using var filler = new FileStream(Path.Combine(mountPoint, "filler"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 * 1024];
        foreach (var size in new[] { chunk.Length, 4096, 1 })
        {
            try
            {
                while (true)
                {
                    filler.Write(chunk, 0, size);
                }
            }
            catch (IOException e) when (StorageException.IsDiskFull(e))
            {
                // Full at this piece size; the smaller one takes what is left.
            }
        }
    }
}
