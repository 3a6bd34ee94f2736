using Omnibus.Embedded.Internal.Engine;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>
/// A group store abandoned without a flush or a dispose is what a killed process leaves: the journal file never got
/// the appends, only the ring (a shared mapping, in the page cache) did. <see cref="CrashTests"/> and the crash-loop
/// scenario kill real processes; these pin down what the ring must keep.
/// </summary>
public sealed class JournalRingTests
{
    [Fact]
    public void Abandoned_AfterStarts_ReopenKeepsAttemptsAndTheAcksBeforeThem()
    {
        using var data = new TempDirectory();
        var first = GroupStore.Open(data.Path, () => [0L], sync: true, out _);
        first.AppendSettled(0, 0);
        first.AppendSettled(0, 1);
        first.AppendStarted(0, 2, attempts: 3);
        first.AppendSettled(0, 3); // after the last start: like any ack not yet flushed, a crash may lose it

        Assert.Equal(0, new FileInfo(data.Combine("journal")).Length);
        using var second = GroupStore.Open(data.Path, () => [0L], sync: true, out var snapshot);

        Assert.Equal(2, snapshot.Committed[0]);
        Assert.Equal(3, snapshot.Attempts[(0, 2)]);
        Assert.False(snapshot.IsSettled(0, 3));
        first.Dispose();
    }

    [Fact]
    public void Reopened_RingCleared_CountsAreInTheJournal()
    {
        using var data = new TempDirectory();
        var first = GroupStore.Open(data.Path, () => [0L], sync: true, out _);
        first.AppendStarted(0, 5, attempts: 2);
        GroupStore.Open(data.Path, () => [0L], sync: true, out _).Dispose(); // the next process: keeps the count, clears the ring

        Assert.All(File.ReadAllBytes(data.Combine("journal.ring")), b => Assert.Equal(0, b));
        using var third = GroupStore.Open(data.Path, () => [0L], sync: true, out var snapshot);

        Assert.Equal(2, snapshot.Attempts[(0, 5)]);
        first.Dispose();
    }

    [Fact]
    public void Abandoned_AfterMoreStartsThanTheRingHolds_ReopenKeepsEveryCount()
    {
        using var data = new TempDirectory();
        var first = GroupStore.Open(data.Path, () => [0L], sync: true, out _);
        var starts = JournalRing.Slots * 2 + 100;
        for (var offset = 0; offset < starts; offset++)
        {
            first.AppendStarted(0, offset, attempts: 1 + (offset % 4));
        }

        using var second = GroupStore.Open(data.Path, () => [0L], sync: true, out var snapshot);

        Assert.Equal(starts, snapshot.Attempts.Count);
        Assert.All(Enumerable.Range(0, starts), offset => Assert.Equal(1 + (offset % 4), snapshot.Attempts[(0, offset)]));
        first.Dispose();
    }
}
