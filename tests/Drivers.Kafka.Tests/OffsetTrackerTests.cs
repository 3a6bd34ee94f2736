using Omnibus.Drivers.Kafka.Internal;

namespace Omnibus.Drivers.Kafka.Tests;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Committable_NothingHandedOut_IsTheStart()
    {
        var tracker = new OffsetTracker(42);
        Assert.Equal(42, tracker.Committable);
    }

    [Fact]
    public void Committable_OutOfOrderAcks_StopsAtFirstUnacknowledged()
    {
        var tracker = new OffsetTracker(0);
        for (var offset = 0; offset < 5; offset++)
        {
            Assert.True(tracker.HandOut(offset));
        }

        Assert.True(tracker.Acknowledge(1));
        Assert.True(tracker.Acknowledge(3));
        Assert.Equal(0, tracker.Committable);
        Assert.True(tracker.Acknowledge(0));
        Assert.Equal(2, tracker.Committable);
        Assert.True(tracker.Acknowledge(4));
        Assert.Equal(2, tracker.Committable);
        Assert.True(tracker.Acknowledge(2));
        Assert.Equal(5, tracker.Committable);
        Assert.Equal(0, tracker.Outstanding);
    }

    [Fact]
    public void Committable_OffsetGaps_NeverCommitsPastAnUnhandledRecord()
    {
        // Compaction and transaction markers leave gaps: 10, 13, 20 are the records.
        var tracker = new OffsetTracker(10);
        tracker.HandOut(10);
        tracker.HandOut(13);
        tracker.HandOut(20);
        tracker.Acknowledge(10);
        Assert.Equal(13, tracker.Committable);
        tracker.Acknowledge(20);
        Assert.Equal(13, tracker.Committable);
        tracker.Acknowledge(13);
        Assert.Equal(21, tracker.Committable);
    }

    [Fact]
    public void Acknowledge_TwiceOrUnknown_IsIgnored()
    {
        var tracker = new OffsetTracker(0);
        tracker.HandOut(0);
        tracker.HandOut(1);
        Assert.True(tracker.Acknowledge(1));
        Assert.False(tracker.Acknowledge(1));
        Assert.False(tracker.Acknowledge(7));
        Assert.Equal(0, tracker.Committable);
        Assert.Equal(2, tracker.Outstanding);
    }

    [Fact]
    public void HandOut_NotIncreasing_IsIgnored()
    {
        var tracker = new OffsetTracker(5);
        Assert.False(tracker.HandOut(4));
        Assert.True(tracker.HandOut(5));
        Assert.False(tracker.HandOut(5));
        Assert.True(tracker.Acknowledge(5));
        Assert.Equal(6, tracker.Committable);
    }

    [Fact]
    public void Acknowledge_ConcurrentFromManyThreads_CommitsEverything()
    {
        var tracker = new OffsetTracker(0);
        for (var offset = 0; offset < 10_000; offset++)
        {
            tracker.HandOut(offset);
        }

        Parallel.For(0, 10_000, offset => Assert.True(tracker.Acknowledge(offset)));
        Assert.Equal(10_000, tracker.Committable);
    }
}
