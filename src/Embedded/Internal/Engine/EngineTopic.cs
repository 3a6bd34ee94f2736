using System.Text.Json;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// A topic: its partitioned log, its consumer groups (loaded on first use), the retained message and, for
/// qos=2 publishers, the window of recently published message ids. Thread-safe.
/// </summary>
internal sealed class EngineTopic : IDisposable
{
    private readonly object _lock = new();
    private readonly string _directory;
    private readonly Dictionary<string, ConsumerGroup> _groupsByName = new(StringComparer.Ordinal);
    private ConsumerGroup[] _groups = [];
    private HashSet<string>? _recentIds;
    private readonly Queue<string> _recentOrder = new();
    private LogPosition? _retained;
    private long _expired;

    public EngineTopic(BrokerEngine engine, string name, string directory)
    {
        Engine = engine;
        Name = name;
        _directory = directory;
        Directory.CreateDirectory(directory);
        var meta = ReadMeta();
        Log = PartitionedLog.Open(Path.Combine(directory, "log"), meta?.Partitions ?? engine.Settings.Partitions, engine.Settings.LogOptions, engine.StorageLogger);
        _retained = meta?.RetainedPartition is { } p && meta.RetainedOffset is { } o ? new LogPosition(p, o) : null;
        if (meta is null)
        {
            WriteMeta();
        }
    }

    public BrokerEngine Engine { get; }

    public string Name { get; }

    public PartitionedLog Log { get; }

    public long Expired => Interlocked.Read(ref _expired);

    public void CountExpired() => Interlocked.Increment(ref _expired);

    public IReadOnlyList<ConsumerGroup> LoadedGroups => Volatile.Read(ref _groups);

    /// <summary>The names of every group of the topic, loaded or only on disk, ordered.</summary>
    public IReadOnlyList<string> GroupNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var directory = Path.Combine(_directory, "groups");
        if (Directory.Exists(directory))
        {
            foreach (var path in Directory.EnumerateDirectories(directory))
            {
                names.Add(Path.GetFileName(path));
            }
        }

        foreach (var group in LoadedGroups)
        {
            names.Add(group.Name);
        }

        return [.. names];
    }

    /// <summary>The group called <paramref name="name"/>, created at <paramref name="startFrom"/> if it never existed.</summary>
    public ConsumerGroup JoinGroup(string name, StartPosition startFrom)
    {
        lock (_lock)
        {
            if (_groupsByName.TryGetValue(name, out var existing))
            {
                return existing;
            }

            var directory = GroupDirectory(name);
            var isNew = !Directory.Exists(directory);
            var group = new ConsumerGroup(this, name, directory, startFrom, Engine.Logger);
            if (isNew && _retained is { } retained)
            {
                group.OfferRetained(retained);
            }

            _groupsByName[name] = group;
            _groups = [.. _groups, group];
            return group;
        }
    }

    /// <summary>The group if it exists on disk (loading it), else null.</summary>
    public ConsumerGroup? FindGroup(string name)
    {
        lock (_lock)
        {
            if (_groupsByName.TryGetValue(name, out var group))
            {
                return group;
            }
        }

        return Directory.Exists(GroupDirectory(name)) ? JoinGroup(name, StartPosition.Earliest) : null;
    }

    public ValueTask PublishAsync(Message message, int qos, CancellationToken cancellationToken)
    {
        if (Engine.StoppedError() is { } stopped)
        {
            // A record stored now could never be settled: refuse it, with what stopped the engine as the cause.
            return ValueTask.FromException(new PublishException(Name, "embedded", $"Publishing message {message.Id} to '{Name}' failed and it is not stored: {stopped.Message}", stopped.InnerException));
        }

        var record = RecordCodec.ToRecord(Name, message, DateTimeOffset.UtcNow, Engine.Settings.MaxMessageBytes);
        var id = message.IdempotencyId ?? message.Id;
        if (qos == 2 && !Remember(id))
        {
            return default; // already stored within the window: acknowledged, not stored again
        }

        LogPosition position;
        try
        {
            position = Log.Append(record);
        }
        catch (Exception e) when (e is StorageException or IOException or ArgumentException or ObjectDisposedException)
        {
            Forget(qos, id);
            throw Failed(message, e);
        }

        foreach (var group in Volatile.Read(ref _groups))
        {
            group.Appended(position.Partition);
        }

        var retained = (record.Flags & RecordCodec.RetainedFlag) != 0;
        if (qos == 0 && !retained)
        {
            return default;
        }

        var durable = Log[position.Partition].WaitForDurableAsync(position.Offset, cancellationToken);
        return durable.IsCompletedSuccessfully && !retained ? default : AwaitDurableAsync(durable, message, position, retained, qos, id);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var group in _groups)
            {
                group.Dispose();
            }
        }

        Log.Dispose();
    }

    private async ValueTask AwaitDurableAsync(ValueTask durable, Message message, LogPosition position, bool retained, int qos, string id)
    {
        try
        {
            await durable.ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            Forget(qos, id);
            throw Failed(message, e);
        }

        if (retained)
        {
            lock (_lock)
            {
                _retained = position;
                WriteMeta();
            }
        }
    }

    private PublishException Failed(Message message, Exception e)
    {
        var reason = StorageException.IsDiskFull(e) || (e is StorageException { Kind: StorageErrorKind.DiskFull })
            ? $"the disk holding '{Engine.Settings.DataDirectory}' is full; free space, then reconnect"
            : e.Message;
        return new PublishException(Name, "embedded", $"Publishing message {message.Id} to '{Name}' failed and it is not stored: {reason}", e);
    }

    private bool Remember(string id)
    {
        lock (_recentOrder)
        {
            _recentIds ??= LoadRecentIds();
            if (!_recentIds.Add(id))
            {
                return false;
            }

            _recentOrder.Enqueue(id);
            if (_recentOrder.Count > Engine.Settings.DedupeWindow)
            {
                _recentIds.Remove(_recentOrder.Dequeue());
            }

            return true;
        }
    }

    private void Forget(int qos, string id)
    {
        if (qos == 2)
        {
            lock (_recentOrder)
            {
                _recentIds?.Remove(id);
            }
        }
    }

    /// <summary>After a restart, the dedupe window is rebuilt from the ids of the newest records on disk.</summary>
    private HashSet<string> LoadRecentIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var perPartition = Math.Max(1, Engine.Settings.DedupeWindow / Log.PartitionCount);
        for (var p = 0; p < Log.PartitionCount; p++)
        {
            var log = Log[p];
            var from = Math.Max(log.StartOffset, log.ReadableEndOffset - perPartition);
            while (from < log.ReadableEndOffset)
            {
                var records = log.Read(from, 4096);
                if (records.Count == 0)
                {
                    break;
                }

                foreach (var record in records)
                {
                    if (record.MessageId is { } id && ids.Add(id))
                    {
                        _recentOrder.Enqueue(id);
                    }
                }

                from = records[^1].Offset + 1;
            }
        }

        return ids;
    }

    private string GroupDirectory(string name) => Path.Combine(_directory, "groups", name);

    private TopicMeta? ReadMeta()
    {
        var path = Path.Combine(_directory, "topic.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<TopicMeta>(File.ReadAllBytes(path)) : null;
    }

    private void WriteMeta()
    {
        var meta = new TopicMeta(Log.PartitionCount, _retained?.Partition, _retained?.Offset);
        var temp = Path.Combine(_directory, "topic.json.tmp");
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(meta));
        using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(true);
        }

        File.Move(temp, Path.Combine(_directory, "topic.json"), overwrite: true);
        DirectorySync.Flush(_directory);
    }

    private sealed record TopicMeta(int Partitions, int? RetainedPartition, long? RetainedOffset);
}
