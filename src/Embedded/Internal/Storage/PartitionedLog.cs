using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// The log of one topic: <see cref="PartitionCount"/> independent <see cref="SegmentedLog"/>s in the
/// sub-directories <c>0</c>, <c>1</c>, … of the topic directory. A record with a key goes to partition
/// <c>FNV-1a(key) mod PartitionCount</c>, so equal keys stay in order in one partition across restarts;
/// records without a key are spread round-robin. Offsets are per partition. Thread-safety: every member
/// may be called concurrently, like <see cref="SegmentedLog"/>.
/// </summary>
internal sealed class PartitionedLog : IDisposable, IAsyncDisposable
{
    private readonly SegmentedLog[] _partitions;
    private int _roundRobin = -1;

    private PartitionedLog(string directory, SegmentedLog[] partitions)
    {
        Directory = directory;
        _partitions = partitions;
    }

    /// <summary>Gets the topic directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the number of partitions; fixed for the life of the topic.</summary>
    public int PartitionCount => _partitions.Length;

    /// <summary>Gets what recovery truncated, one report per recovered partition.</summary>
    public IReadOnlyList<LogRecoveryReport> RecoveryReports =>
        [.. _partitions.Select(p => p.RecoveryReport).OfType<LogRecoveryReport>()];

    /// <summary>Gets the log of one partition.</summary>
    public SegmentedLog this[int partition] => _partitions[partition];

    /// <summary>
    /// Opens (or creates) the topic in <paramref name="directory"/> with <paramref name="partitionCount"/>
    /// partitions, each with <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The directory holds a different number of partitions, or the options are invalid.</exception>
    public static PartitionedLog Open(string directory, int partitionCount, LogOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (partitionCount is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(partitionCount), partitionCount, "The partition count must be between 1 and 10000.");
        }

        (options ?? LogOptions.Default).Validate();
        directory = Path.GetFullPath(directory);
        var existing = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateDirectories(directory).Count(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            : 0;
        if (existing != 0 && existing != partitionCount)
        {
            // Another count would move keys to other partitions and break per-key order.
            throw new ArgumentException(
                $"Topic directory '{directory}' holds {existing} partitions but was opened with partitionCount {partitionCount}; the partition count of a topic cannot change.",
                nameof(partitionCount));
        }

        var partitions = new List<SegmentedLog>(partitionCount);
        try
        {
            for (var i = 0; i < partitionCount; i++)
            {
                partitions.Add(SegmentedLog.Open(Path.Combine(directory, i.ToString(CultureInfo.InvariantCulture)), options, logger));
            }
        }
        catch
        {
            foreach (var partition in partitions)
            {
                partition.Dispose();
            }

            throw;
        }

        return new PartitionedLog(directory, [.. partitions]);
    }

    /// <summary>Chooses the partition of <paramref name="record"/>: by key hash, or round-robin without a key.</summary>
    public int SelectPartition(in LogRecordData record) => record.Key is { } key
        ? KeyPartitioner.PartitionOf(key.Span, _partitions.Length)
        : (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)_partitions.Length);

    /// <summary>Appends to the record's partition without waiting for the disk; see <see cref="SegmentedLog.Append"/>.</summary>
    public LogPosition Append(in LogRecordData record)
    {
        var partition = SelectPartition(record);
        return new LogPosition(partition, _partitions[partition].Append(record));
    }

    /// <summary>Appends to the record's partition; see <see cref="SegmentedLog.AppendAsync"/>.</summary>
    public async ValueTask<LogPosition> AppendAsync(LogRecordData record, CancellationToken cancellationToken = default)
    {
        var partition = SelectPartition(record);
        var offset = await _partitions[partition].AppendAsync(record, cancellationToken).ConfigureAwait(false);
        return new LogPosition(partition, offset);
    }

    /// <summary>Makes everything appended to every partition durable.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_partitions.Select(p => p.CommitAsync(cancellationToken).AsTask()));

    /// <summary>Applies retention to every partition; returns the number of segments deleted.</summary>
    public int ApplyRetention(DateTimeOffset now) => _partitions.Sum(p => p.ApplyRetention(now));

    /// <summary>Flushes and closes every partition.</summary>
    public void Dispose()
    {
        foreach (var partition in _partitions)
        {
            partition.Dispose();
        }
    }

    /// <summary>Flushes and closes every partition without blocking a thread.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions)
        {
            await partition.DisposeAsync().ConfigureAwait(false);
        }
    }
}
