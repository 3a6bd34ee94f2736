using System.Collections.Concurrent;
using System.Globalization;
using Omnibus.Conformance;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>
/// Runs tests/CrashHost as a real child process (through the suite's <see cref="ChildProcess"/>) and collects what it
/// reports, line by line, as it happens.
/// </summary>
internal sealed class CrashChild(string dataDir, int qos, string run, int publishCount) : IDisposable
{
    private readonly ChildProcess _child = ChildProcess.Start(
        "CrashHost", "Omnibus.CrashHost", dataDir, qos.ToString(CultureInfo.InvariantCulture), run, publishCount.ToString(CultureInfo.InvariantCulture));

    public ConcurrentQueue<string> Lines => _child.Lines;

    public ConcurrentQueue<string> Errors => _child.Errors;

    public ConcurrentDictionary<string, int> Counts => _child.Counts;

    /// <summary>Waits until <paramref name="condition"/> holds on the counts, the child exits, or the timeout passes.</summary>
    public Task<bool> WaitUntilAsync(Func<ConcurrentDictionary<string, int>, bool> condition, TimeSpan timeout) =>
        _child.WaitUntilAsync(c => condition(c.Counts), timeout);

    /// <summary>SIGKILL: no cleanup of any kind runs in the child. Returns once it is gone and its output read.</summary>
    public Task KillAsync() => _child.KillAsync();

    public void Dispose() => _child.Dispose();
}
