using System.Collections.Concurrent;
using System.Diagnostics;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>
/// Runs tests/CrashHost as a real child process and collects what it reports, line by line, as it happens.
/// </summary>
internal sealed class CrashChild : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CrashChild(string dataDir, int qos, string run, int publishCount)
    {
        var start = new ProcessStartInfo("dotnet", [HostPath, dataDir, qos.ToString(System.Globalization.CultureInfo.InvariantCulture), run, publishCount.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _exited.TrySetResult();
            }
            else
            {
                Lines.Enqueue(e.Data);
                Counts.AddOrUpdate(e.Data.Split(' ')[0], 1, (_, n) => n + 1);
            }

            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Errors.Enqueue(e.Data); } };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public ConcurrentDictionary<string, int> Counts { get; } = new();

    private static string HostPath
    {
        get
        {
            // tests/Embedded.Tests/bin/<Configuration>/net10.0/ -> tests/CrashHost/bin/<Configuration>/net10.0/
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(bin.Parent!.Parent!.Parent!.Parent!.FullName, "CrashHost", "bin", bin.Parent.Name, bin.Name, "Omnibus.CrashHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/CrashHost first (the test project references it).", path);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the counts, the child exits, or the timeout passes.</summary>
    public async Task<bool> WaitUntilAsync(Func<ConcurrentDictionary<string, int>, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(Counts))
        {
            if (_exited.Task.IsCompleted || deadline.Elapsed > timeout)
            {
                return false;
            }

            await Task.WhenAny(Volatile.Read(ref _changed).Task, _exited.Task, Task.Delay(timeout - deadline.Elapsed));
        }

        return true;
    }

    /// <summary>SIGKILL: no cleanup of any kind runs in the child. Returns once it is gone and its output read.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
