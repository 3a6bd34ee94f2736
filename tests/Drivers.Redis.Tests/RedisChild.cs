using System.Collections.Concurrent;
using System.Diagnostics;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// Runs tests/RedisCrashHost as a real child process (a consumer in another process, as another service would run it)
/// and collects what it reports, line by line, as it happens.
/// </summary>
internal sealed class RedisChild : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RedisChild(string connectionString, string topic, string group, string mode)
    {
        var start = new ProcessStartInfo("dotnet", [HostPath, connectionString, topic, group, mode])
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
            }

            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The lines of one kind (<c>C</c>, <c>A</c>, ...), split into their words after the kind.</summary>
    public List<string[]> Reported(string kind) =>
        [.. Lines.Select(l => l.Split(' ')).Where(w => w[0] == kind).Select(w => w[1..])];

    private static string HostPath
    {
        get
        {
            // tests/Drivers.Redis.Tests/bin/<Configuration>/net10.0/ -> tests/RedisCrashHost/bin/<Configuration>/net10.0/
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(bin.Parent!.Parent!.Parent!.Parent!.FullName, "RedisCrashHost", "bin", bin.Parent.Name, bin.Name, "Omnibus.RedisCrashHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/RedisCrashHost first (the test project references it).", path);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, the child exits, or the timeout passes; true when it holds.</summary>
    public async Task<bool> WaitUntilAsync(Func<RedisChild, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (_exited.Task.IsCompleted || deadline.Elapsed > timeout)
            {
                return condition(this);
            }

            await Task.WhenAny(Volatile.Read(ref _changed).Task, _exited.Task, Task.Delay(timeout - deadline.Elapsed));
        }

        return true;
    }

    /// <summary>Waits for the child to end by itself; false after the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: nothing runs in the child any more, its connection just drops.</summary>
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
