using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests.Kit;

/// <summary>The kit's settle-once delivery, tracker and buffer, without any broker.</summary>
public sealed class KitDeliveryTests
{
    [Fact]
    public async Task Delivery_SettledTwice_CallsOneHookOnce()
    {
        var delivery = new CountingDelivery();
        await delivery.AckAsync();
        await delivery.NackAsync(TimeSpan.Zero);
        await delivery.ReleaseAsync();
        await delivery.AckAsync();
        Assert.Equal((1, 0, 0), (delivery.Acks, delivery.Nacks, delivery.Releases));
        Assert.True(delivery.IsSettled);
    }

    [Fact]
    public async Task Delivery_SettledConcurrently_OnlyOneHookRuns()
    {
        for (var round = 0; round < 200; round++)
        {
            var delivery = new CountingDelivery();
            using var start = new Barrier(3);
            var tasks = new[]
            {
                Task.Run(() => { start.SignalAndWait(); return delivery.AckAsync().AsTask(); }),
                Task.Run(() => { start.SignalAndWait(); return delivery.NackAsync(TimeSpan.Zero).AsTask(); }),
                Task.Run(() => { start.SignalAndWait(); return delivery.ReleaseAsync().AsTask(); }),
            };
            await Task.WhenAll(tasks);
            Assert.Equal(1, delivery.Acks + delivery.Nacks + delivery.Releases);
        }
    }

    [Fact]
    public async Task Tracker_Close_ReleasesOnlyTheUnsettled()
    {
        var tracker = new DeliveryTracker();
        var settled = new CountingDelivery();
        var held = new CountingDelivery();
        Assert.True(tracker.TryTrack(settled, DateTimeOffset.UtcNow));
        Assert.True(tracker.TryTrack(held, DateTimeOffset.UtcNow));
        Assert.Equal(2, tracker.Count);
        await settled.AckAsync();
        Assert.Equal(1, tracker.Count);
        await tracker.CloseAsync();
        Assert.Equal((1, 0), (settled.Acks, settled.Releases));
        Assert.Equal((0, 1), (held.Acks, held.Releases));
        Assert.Equal(0, tracker.Count);

        var late = new CountingDelivery();
        Assert.False(tracker.TryTrack(late, DateTimeOffset.UtcNow)); // after close: released, never handed out
        Assert.Equal(1, late.Releases);
    }

    [Fact]
    public async Task Tracker_Close_ReleasesOldestFirst()
    {
        var tracker = new DeliveryTracker();
        var released = new List<int>();
        var deliveries = Enumerable.Range(0, 5).Select(i => new CountingDelivery { OnRelease = () => released.Add(i) }).ToList();
        deliveries.ForEach(d => Assert.True(tracker.TryTrack(d, DateTimeOffset.UtcNow)));
        await deliveries[2].AckAsync();

        await tracker.CloseAsync();

        Assert.Equal([0, 1, 3, 4], released);
    }

    [Fact]
    public async Task Delivery_Starting_RunsItsHookOnce_AndNeverOnASettledOne()
    {
        var delivery = new CountingDelivery();
        await delivery.StartingAsync();
        await delivery.StartingAsync();
        Assert.Equal(1, delivery.Starts);

        var settled = new CountingDelivery();
        await settled.AckAsync();
        await settled.StartingAsync();
        Assert.Equal(0, settled.Starts);
    }

    [Fact]
    public void Tracker_ExpiredDelivery_IsSettledByItsExpiryHook_NotHandedOut()
    {
        var tracker = new DeliveryTracker();
        var now = DateTimeOffset.UtcNow;
        var expired = new CountingDelivery { ExpiresAt = now - TimeSpan.FromSeconds(1) };
        var fresh = new CountingDelivery { ExpiresAt = now + TimeSpan.FromMinutes(1) };
        Assert.False(tracker.TryTrack(expired, now));
        Assert.True(tracker.TryTrack(fresh, now));
        Assert.Equal((1, 0), (expired.Expiries, expired.Acks));
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public async Task Buffer_Dispose_ReleasesBufferedAndUnsettled_ThenRunsTheCloseHook()
    {
        var closed = 0;
        var buffer = new DeliveryBuffer(4, () => { closed++; return default; });
        var read = new CountingDelivery();
        var acked = new CountingDelivery();
        var waiting = new CountingDelivery();
        Assert.True(buffer.TryWrite(read));
        Assert.True(buffer.TryWrite(acked));
        Assert.True(buffer.TryWrite(waiting));
        Assert.True(buffer.TryRead(out var first));
        Assert.True(buffer.TryRead(out var second));
        await second.AckAsync();
        Assert.Same(read, first);
        Assert.Equal(1, buffer.Unsettled);
        Assert.Equal(1, buffer.Buffered);
        await buffer.DisposeAsync();
        await buffer.DisposeAsync();
        Assert.Equal(1, read.Releases);
        Assert.Equal(1, waiting.Releases);
        Assert.Equal((1, 0), (acked.Acks, acked.Releases));
        Assert.Equal(1, closed);
        Assert.False(await buffer.WaitToReadAsync(CancellationToken.None));

        var afterClose = new CountingDelivery();
        Assert.True(buffer.TryWrite(afterClose));
        Assert.Equal(1, afterClose.Releases);
    }

    [Fact]
    public async Task Buffer_Full_RefusesTryWrite_AndWriteAsyncWaitsForRoom()
    {
        await using var buffer = new DeliveryBuffer(1);
        Assert.True(buffer.TryWrite(new CountingDelivery()));
        Assert.False(buffer.TryWrite(new CountingDelivery()));
        var pending = buffer.WriteAsync(new CountingDelivery()).AsTask();
        Assert.False(pending.IsCompleted);
        Assert.True(buffer.TryRead(out _));
        await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, buffer.Buffered);
    }

    [Fact]
    public async Task Buffer_Fail_ReleasesWhatWaits_AndReadersSeeTheLostConnection()
    {
        var buffer = new DeliveryBuffer(4);
        var waiting = new CountingDelivery();
        buffer.TryWrite(waiting);
        buffer.Fail(new ConnectionLostException("test", "gone"));
        Assert.Equal(1, waiting.Releases);
        var error = await Assert.ThrowsAsync<ConnectionLostException>(async () => await buffer.WaitToReadAsync(CancellationToken.None));
        Assert.Equal("gone", error.Message);
        await buffer.DisposeAsync();
    }

    [Fact]
    public async Task Buffer_ExpiredDelivery_IsSkippedOnRead()
    {
        await using var buffer = new DeliveryBuffer(4);
        var expired = new CountingDelivery { ExpiresAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1) };
        var live = new CountingDelivery();
        buffer.TryWrite(expired);
        buffer.TryWrite(live);
        Assert.True(buffer.TryRead(out var read));
        Assert.Same(live, read);
        Assert.Equal(1, expired.Expiries);
    }

    internal sealed class CountingDelivery() : Delivery(new Message())
    {
        public int Acks;
        public int Nacks;
        public int Releases;
        public int Expiries;
        public int Starts;

        public Action? OnRelease { get; init; }

        protected override ValueTask OnStartingAsync()
        {
            Interlocked.Increment(ref Starts);
            return default;
        }

        protected override ValueTask OnAckAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Acks);
            return default;
        }

        protected override ValueTask OnNackAsync(TimeSpan redeliverAfter, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Nacks);
            return default;
        }

        protected override ValueTask OnReleaseAsync()
        {
            OnRelease?.Invoke();
            Interlocked.Increment(ref Releases);
            return default;
        }

        protected override ValueTask OnExpiredAsync()
        {
            Interlocked.Increment(ref Expiries);
            return default;
        }
    }
}
