using System.Text;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class PartitionedLogTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("", 0x811C9DC5u)]
    [InlineData("a", 0xE40C292Cu)]
    [InlineData("foobar", 0xBF9CF968u)]
    public void Fnv1a_PublishedTestVectors_ReturnsPublishedHash(string input, uint expected) =>
        Assert.Equal(expected, KeyPartitioner.Fnv1a(Encoding.UTF8.GetBytes(input)));

    // Fixed expectations: a change here moves keys to other partitions in existing topics.
    [Theory]
    [InlineData("order-1", 5)]
    [InlineData("order-2", 4)]
    [InlineData("customer-42", 6)]
    [InlineData("Zürich", 0)]
    public void PartitionOf_KnownKeysWithEightPartitions_ReturnsFixedPartition(string key, int partition) =>
        Assert.Equal(partition, KeyPartitioner.PartitionOf(Encoding.UTF8.GetBytes(key), 8));

    [Fact]
    public async Task Append_SameKeyBeforeAndAfterReopen_LandsInSamePartition()
    {
        var keys = new[] { "order-1", "order-2", "customer-42", "Zürich" };
        var first = new Dictionary<string, int>();
        await using (var topic = PartitionedLog.Open(_temp.Path, 8))
        {
            foreach (var key in keys)
            {
                first[key] = topic.Append(TestRecords.Create(0, key: key)).Partition;
            }
        }

        await using var reopened = PartitionedLog.Open(_temp.Path, 8);

        foreach (var key in keys)
        {
            var position = reopened.Append(TestRecords.Create(1, key: key));
            Assert.Equal(first[key], position.Partition);
        }

        Assert.Equal(5, first["order-1"]);
        await reopened.CommitAsync();
        var stored = reopened[5].Read(0);
        Assert.All(stored, r => Assert.Equal("order-1", Encoding.UTF8.GetString(r.Key!.Value.Span)));
        Assert.Equal(2, stored.Count);
    }

    [Fact]
    public async Task Append_RecordsWithoutKey_SpreadRoundRobin()
    {
        await using var topic = PartitionedLog.Open(_temp.Path, 4);

        var partitions = Enumerable.Range(0, 8).Select(i => topic.Append(TestRecords.Create(i)).Partition).ToList();

        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], partitions);
    }

    [Fact]
    public async Task Append_ManyKeys_OffsetsDensePerPartition()
    {
        await using var topic = PartitionedLog.Open(_temp.Path, 3);
        var positions = Enumerable.Range(0, 300).Select(i => topic.Append(TestRecords.Create(i, key: $"key-{i % 17}"))).ToList();
        await topic.CommitAsync();

        foreach (var group in positions.GroupBy(p => p.Partition))
        {
            Assert.Equal(Enumerable.Range(0, group.Count()).Select(i => (long)i), group.Select(p => p.Offset));
            Assert.Equal(group.Count(), TestRecords.ReadAll(topic[group.Key]).Count);
        }
    }

    [Fact]
    public void Open_DifferentPartitionCount_ThrowsNamingBothCounts()
    {
        PartitionedLog.Open(_temp.Path, 4).Dispose();

        var error = Assert.Throws<ArgumentException>(() => PartitionedLog.Open(_temp.Path, 6));

        Assert.Contains("holds 4 partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("partitionCount 6", error.Message, StringComparison.Ordinal);
    }
}
