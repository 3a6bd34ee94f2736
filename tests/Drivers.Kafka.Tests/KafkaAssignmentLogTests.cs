using Omnibus.Conformance;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>
/// The settled-group check of the conformance runs, on the assignment events of a run that failed in CI's way: at the
/// third join one existing member's SyncGroup was refused by the mock, so two of three members held partitions while
/// the last subscription had opened.
/// </summary>
public sealed class KafkaAssignmentLogTests
{
    private const string Topic = "split";
    private const string Group = "g";

    [Fact]
    public void ThirdJoin_AMemberWithoutItsShare_IsNotSettled_UntilEveryMemberHoldsOne()
    {
        var changes = new List<KafkaAssignmentChange>
        {
            Assigned(1, 0, 1, 2, 3), Revoked(1, 0, 1, 2, 3),
            Assigned(2, 1, 3), Assigned(1, 0, 2), Revoked(1, 0, 2), Revoked(2, 1, 3),
            Assigned(1, 0, 3), Assigned(3, 1), // member 2's sync refused: it holds nothing
        };
        Assert.False(KafkaAssignmentLog.Settled(changes, Topic, Group, members: 3));

        changes.AddRange([Revoked(1, 0, 3), Revoked(3, 1), Assigned(3, 1), Assigned(2, 2)]);
        Assert.False(KafkaAssignmentLog.Settled(changes, Topic, Group, members: 3)); // partitions 0 and 3 unheld

        changes.Add(Assigned(1, 0, 3));
        Assert.True(KafkaAssignmentLog.Settled(changes, Topic, Group, members: 3));
        Assert.False(KafkaAssignmentLog.Settled(changes, Topic, "other", members: 3));
    }

    [Fact]
    public void TwoMembersHoldingOnePartition_IsNotSettled()
    {
        var changes = new List<KafkaAssignmentChange> { Assigned(1, 0, 1), Assigned(2, 1, 2), Assigned(3, 3) };
        Assert.False(KafkaAssignmentLog.Settled(changes, Topic, Group, members: 3));
    }

    private static KafkaAssignmentChange Assigned(int connection, params int[] partitions) => new(connection, true, Topic, Group, partitions);

    private static KafkaAssignmentChange Revoked(int connection, params int[] partitions) => new(connection, false, Topic, Group, partitions);
}
