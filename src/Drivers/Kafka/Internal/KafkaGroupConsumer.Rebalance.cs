using System.Diagnostics;
using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>Assignment, revocation and commits. Everything here runs on the consume thread.</summary>
internal sealed partial class KafkaGroupConsumer
{
    /// <summary>
    /// Fixes each partition's start: the committed offset, else (a new group) the low or high watermark for
    /// Earliest or Latest. The start of a partition without a commit is committed right after, so that the group's
    /// position exists from then on and a message published once OpenAsync returned is never skipped.
    /// </summary>
    private List<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions)
    {
        _paused = false;
        var starts = new List<TopicPartitionOffset>(partitions.Count);
        if (partitions.Count == 0)
        {
            _joined.TrySetResult();
            return starts;
        }

        var committed = _consumer.Committed(partitions, RequestTimeout).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        foreach (var partition in partitions)
        {
            var hasCommit = committed.TryGetValue(partition.Partition.Value, out var offset) && offset >= 0;
            if (!hasCommit)
            {
                var watermarks = _consumer.QueryWatermarkOffsets(partition, RequestTimeout);
                offset = StartFrom == StartPosition.Latest ? watermarks.High.Value : watermarks.Low.Value;
            }

            var lease = new PartitionLease(partition, offset, hasCommit);
            _owned[partition.Partition.Value] = lease;
            if (!hasCommit)
            {
                _needInitialCommit.Add(lease);
            }

            starts.Add(new TopicPartitionOffset(partition, new Offset(offset)));
        }

        Log.Assigned(_logger, Topic, Group, string.Join(",", partitions.Select(p => p.Partition.Value)));
        if (_needInitialCommit.Count == 0)
        {
            _joined.TrySetResult();
        }

        return starts;
    }

    private void CommitInitialOffsets()
    {
        if (_needInitialCommit.Count == 0)
        {
            return;
        }

        var pending = _needInitialCommit.Where(l => !l.IsRevoked).ToList();
        if (CommitAcknowledged(pending))
        {
            _needInitialCommit.Clear();
            _joined.TrySetResult();
        }
    }

    /// <summary>
    /// Stops handing out the partitions' records, waits up to <see cref="KafkaSettings.RevokeWait"/> for handlers
    /// holding some (not when closing: the subscribers released theirs), then commits each one's acknowledged prefix.
    /// Lost partitions (the group moved on without us) are not committed: the commit would be rejected.
    /// </summary>
    private void OnRevoked(List<TopicPartition> partitions, bool lost)
    {
        var leases = new List<PartitionLease>();
        var inFlight = 0;
        foreach (var partition in partitions)
        {
            if (_owned.Remove(partition.Partition.Value, out var lease))
            {
                inFlight += lease.Revoke();
                leases.Add(lease);
            }
        }

        _needInitialCommit.RemoveAll(leases.Contains);
        Log.Revoked(_logger, Topic, Group, string.Join(",", partitions.Select(p => p.Partition.Value)), lost, inFlight);
        if (lost || leases.Count == 0)
        {
            return;
        }

        if (!_closing && inFlight > 0)
        {
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < _settings.RevokeWait && leases.Any(l => l.InFlight > 0))
            {
                Thread.Sleep(5);
            }
        }

        CommitAcknowledged(leases);
    }

    /// <summary>Commits each lease's first unacknowledged offset where it moved; false when the commit failed.</summary>
    private bool CommitAcknowledged(IEnumerable<PartitionLease> leases)
    {
        List<(PartitionLease Lease, long Offset)>? moved = null;
        foreach (var lease in leases)
        {
            var offset = lease.Tracker.Committable;
            if (offset != lease.LastCommitted)
            {
                (moved ??= []).Add((lease, offset));
            }
        }

        if (moved is null)
        {
            return true;
        }

        try
        {
            _consumer.Commit(moved.Select(m => new TopicPartitionOffset(m.Lease.Partition, new Offset(m.Offset))));
        }
        catch (KafkaException e)
        {
            Log.CommitFailed(_logger, e, Topic, Group);
            return false;
        }

        foreach (var (lease, offset) in moved)
        {
            lease.LastCommitted = offset;
        }

        return true;
    }
}
