using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>
/// The embedded broker for one data directory, shared by every connection of the process to it (reference
/// counted) and locked against other processes. Owns the topics, a <see cref="JournalFlusher"/> that makes group
/// journals durable, and a maintenance timer (visibility timeouts, retention, checkpoints). A failure of the flusher
/// stops the engine (<see cref="Fault"/>): from then on publishes, settlements and reads fail with it as the cause,
/// until every connection has closed and the directory is opened again. Thread-safe.
/// </summary>
internal sealed class BrokerEngine
{
    private static readonly Dictionary<string, BrokerEngine> Open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EngineTopic> _topics = new(StringComparer.Ordinal);
    private readonly object _createLock = new();
    private readonly FileStream _lockFile;
    private readonly Timer _maintenance;
    private readonly JournalFlusher _flusher;
    private int _references;
    private int _ticks;
    private Exception? _fault;

    private BrokerEngine(EmbeddedSettings settings, ILoggerFactory loggerFactory)
    {
        Settings = settings;
        Logger = loggerFactory.CreateLogger("Omnibus.Embedded");
        StorageLogger = loggerFactory.CreateLogger("Omnibus.Embedded.Storage");
        Directory.CreateDirectory(Path.Combine(settings.DataDirectory, "topics"));
        _lockFile = LockDirectory(settings.DataDirectory);
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(Path.Combine(settings.DataDirectory, "topics")))
            {
                var name = Path.GetFileName(directory);
                _topics[name] = new EngineTopic(this, name, directory);
            }
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }

        _flusher = new JournalFlusher(settings, FlushAllJournals, Stop);
        _maintenance = new Timer(_ => Maintain(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        EngineLog.Opened(Logger, settings.DataDirectory, _topics.Count, settings.Qos, settings.Flush.ToString());
    }

    public EmbeddedSettings Settings { get; }

    public ILogger Logger { get; }

    public ILogger StorageLogger { get; }

    public IEnumerable<EngineTopic> Topics => _topics.Values;

    /// <summary>What stopped the engine (its journal flusher failed), or null while it works.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>The journal flusher, for the fault-injection seam of the tests.</summary>
    internal JournalFlusher Flusher => _flusher;

    /// <summary>The engine open for <paramref name="dataDirectory"/> in this process, or null; lets tests reach its seams.</summary>
    internal static BrokerEngine? FindOpen(string dataDirectory)
    {
        lock (Open)
        {
            return Open.GetValueOrDefault(Path.GetFullPath(dataDirectory));
        }
    }

    /// <summary>
    /// Fails at connect, before any I/O, when the settings' data directory is already open in this process with other
    /// storage settings (the same check <see cref="Acquire"/> makes when the engine is first used).
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">It is open with other storage settings.</exception>
    public static void CheckCompatible(EmbeddedSettings settings)
    {
        lock (Open)
        {
            if (Open.TryGetValue(settings.DataDirectory, out var engine) && engine.Settings.EngineShape != settings.EngineShape)
            {
                throw Incompatible(settings);
            }
        }
    }

    /// <summary>The engine for the settings' data directory, opened on first use.</summary>
    /// <exception cref="OmnibusConfigurationException">It is open with other storage settings, or another process holds it.</exception>
    public static BrokerEngine Acquire(EmbeddedSettings settings, ILoggerFactory loggerFactory)
    {
        lock (Open)
        {
            if (Open.TryGetValue(settings.DataDirectory, out var engine))
            {
                if (engine.Settings.EngineShape != settings.EngineShape)
                {
                    throw Incompatible(settings);
                }
            }
            else
            {
                engine = new BrokerEngine(settings, loggerFactory);
                Open[settings.DataDirectory] = engine;
            }

            engine._references++;
            return engine;
        }
    }

    private static OmnibusConfigurationException Incompatible(EmbeddedSettings settings) =>
        new("connection string", $"The embedded broker at '{settings.DataDirectory}' is already open in this process with other options; every connection to one data directory must use the same options except qos.");

    /// <summary>Drops one reference; the last one closes the engine (checkpointing every group) and unlocks the directory.</summary>
    public async ValueTask ReleaseAsync()
    {
        lock (Open)
        {
            if (--_references > 0)
            {
                return;
            }

            Open.Remove(Settings.DataDirectory);
        }

        await _maintenance.DisposeAsync().ConfigureAwait(false);
        await _flusher.StopAsync().ConfigureAwait(false);
        foreach (var topic in _topics.Values)
        {
            topic.Dispose();
        }

        _lockFile.Dispose();
        EngineLog.Closed(Logger, Settings.DataDirectory);
    }

    /// <summary>The topic called <paramref name="name"/> (already validated), created if new.</summary>
    public EngineTopic Topic(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        lock (_createLock)
        {
            if (_topics.TryGetValue(name, out topic))
            {
                return topic;
            }

            if (_topics.Count >= Settings.MaxTopics)
            {
                throw new OmnibusConfigurationException("maxTopics", $"Topic '{name}' cannot be created: the embedded broker at '{Settings.DataDirectory}' already has {_topics.Count} topics, the most allowed (option maxTopics).");
            }

            topic = new EngineTopic(this, name, Path.Combine(Settings.DataDirectory, "topics", name));
            _topics[name] = topic;
            return topic;
        }
    }

    public EngineTopic? FindTopic(string name) => _topics.TryGetValue(name, out var topic) ? topic : null;

    /// <summary>A group journal has unflushed appends: flush within one flush interval.</summary>
    public void JournalDirty() => _flusher.Dirty();

    /// <summary>An acknowledgement waits for the journals to be durable (qos 2): flush once acknowledgements pause.</summary>
    public void JournalAwaited() => _flusher.Awaited();

    /// <summary>The error for an operation refused because the engine stopped (null while it works); a new one per call.</summary>
    public StorageException? StoppedError() =>
        Fault is { } cause ? StorageException.EngineStopped(Settings.DataDirectory, cause) : null;

    private void FlushAllJournals()
    {
        // A failing journal ends the flush (and the flusher): carrying on would acknowledge later settlements as
        // durable while earlier ones were lost.
        foreach (var topic in _topics.Values)
        {
            foreach (var group in topic.LoadedGroups)
            {
                group.FlushJournal();
            }
        }
    }

    /// <summary>The journal flusher failed with <paramref name="cause"/>: stop, fail whatever waits for a flush, and say so once.</summary>
    private void Stop(Exception cause)
    {
        if (Interlocked.CompareExchange(ref _fault, cause, null) is not null)
        {
            return;
        }

        // Said before anyone waiting hears it, so the log tells the story in order.
        EngineLog.Stopped(Logger, cause, Settings.DataDirectory);
        foreach (var topic in _topics.Values)
        {
            foreach (var group in topic.LoadedGroups)
            {
                group.Stopped(StorageException.EngineStopped(Settings.DataDirectory, cause));
            }
        }
    }

    private void Maintain()
    {
        if (Fault is not null)
        {
            // Stopped: nothing is settled or redelivered any more, and checkpoints wait for the close.
            return;
        }

        try
        {
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var slow = Interlocked.Increment(ref _ticks) % 10 == 0;
            foreach (var topic in _topics.Values)
            {
                foreach (var group in topic.LoadedGroups)
                {
                    group.SweepExpiredDeliveries(nowMs);
                    if (slow)
                    {
                        group.Maintain(force: false);
                    }
                    else
                    {
                        // Also every second: at a million acknowledgements a second a journal grows by 21 MB a
                        // second, and a restart replays all of it; checked every 10 s, a crash left ~200 MB to replay.
                        group.CheckpointIfLarge();
                    }
                }

                if (slow)
                {
                    topic.Log.ApplyRetention(DateTimeOffset.UtcNow);
                }
            }
        }
        catch (Exception e) when (e is IOException or StorageException or InvalidOperationException)
        {
            EngineLog.MaintenanceFailed(Logger, e, Settings.DataDirectory);
        }
    }

    private static FileStream LockDirectory(string directory)
    {
        var path = Path.Combine(directory, ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new OmnibusConfigurationException("data directory", $"The embedded broker's data directory '{directory}' is in use by another process. One process owns a data directory: run 'omnibus server' on it and connect the others with omnibus://.", e);
        }
    }
}
