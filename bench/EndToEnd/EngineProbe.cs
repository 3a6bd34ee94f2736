using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Embedded.Internal.Engine;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// Reads the storage's counters of a topic while a broker has the engine open: joining the process's engine for the
/// same data directory (it is shared and reference counted) gives the same logs the broker writes to.
/// </summary>
internal static class EngineProbe
{
    public readonly record struct LogCounters(long Fsyncs, long Records, long Bytes);

    public static async Task<LogCounters> ReadAsync(string connectionString, string topic)
    {
        var settings = EmbeddedSettings.From(ConnectionString.Parse(connectionString), Omnibus.Embedded.EmbeddedDriverFactory.DefaultDataDirectory);
        var engine = BrokerEngine.Acquire(settings, NullLoggerFactory.Instance);
        try
        {
            var log = engine.FindTopic(topic)?.Log ?? throw new InvalidOperationException($"Topic '{topic}' does not exist.");
            long fsyncs = 0, records = 0;
            for (var p = 0; p < log.PartitionCount; p++)
            {
                fsyncs += log[p].FsyncCount;
                records += log[p].NextOffset - log[p].StartOffset;
            }

            var bytes = Directory.EnumerateFiles(log.Directory, "*.log", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            return new LogCounters(fsyncs, records, bytes);
        }
        finally
        {
            await engine.ReleaseAsync();
        }
    }
}
