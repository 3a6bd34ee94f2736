using System.Collections.Concurrent;
using System.Diagnostics;

namespace Omnibus.Conformance;

/// <summary>
/// A test's child process (<c>dotnet &lt;dll&gt; args</c>) whose stdout lines are collected as they come, so that a test
/// can wait for what the child reported, or for it to die, without sleeping. The child's own crash (exit without
/// cleanup) is the point of the tests that use it, so every line a child reports must be flushed before its next step.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _outputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string dll, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
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
                _outputEnded.TrySetResult();
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

    /// <summary>What the child wrote to stdout, line by line, in order.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>How many stdout lines began with each first word (the kind of report).</summary>
    public ConcurrentDictionary<string, int> Counts { get; } = new();

    /// <summary>What the child wrote to stderr.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Whether the child has exited and all its output was read.</summary>
    public bool HasExited => _outputEnded.Task.IsCompleted && _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="assembly"/>.dll of the test project <paramref name="project"/> (under tests/, built in the
    /// configuration and framework of the running tests; the test project references it to get it built).
    /// </summary>
    public static ChildProcess Start(string project, string assembly, params string[] args)
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryFiles.Root, "tests", project, "bin", bin.Parent!.Name, bin.Name, assembly + ".dll");
        return File.Exists(dll) ? new ChildProcess(dll, args)
            : throw new FileNotFoundException($"Build tests/{project} first (reference it from the test project with ReferenceOutputAssembly=false).", dll);
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked on every line), the child exits, or the timeout passes; true when it held.</summary>
    public async Task<bool> WaitUntilAsync(Func<ChildProcess, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this))
            {
                return true;
            }

            if (_outputEnded.Task.IsCompleted || deadline.Elapsed > timeout)
            {
                return condition(this);
            }

            await Task.WhenAny(changed, _outputEnded.Task, Task.Delay(timeout - deadline.Elapsed));
        }
    }

    /// <summary>Waits for the child to exit by itself; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            await _outputEnded.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no cleanup of any kind runs in the child. Returns once it is gone and its output read.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _outputEnded.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>What the child wrote to stderr, for a failure message.</summary>
    public string Describe() => $"exit {(_process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(running)")}; stdout: {string.Join(" | ", Lines)}; stderr: {string.Join(" | ", Errors.Take(20))}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
