using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// This harness re-run as a child process (a fresh process for memory figures, a real SIGKILL for crash recovery).
/// The child reports on stdout one line per fact: <c>RESULT name value</c>, or a bare word such as <c>BUILT</c>.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Dictionary<string, double> _results = [];
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private TaskCompletionSource<string>? _waitingFor;
    private string? _expected;

    public ChildProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("  child: " + e.Data);
            }
        };
        Started = Stopwatch.StartNew();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs from just before the child was started.</summary>
    public Stopwatch Started { get; }

    public IReadOnlyDictionary<string, double> Results
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, double>(_results);
            }
        }
    }

    /// <summary>Waits for a line equal to <paramref name="word"/>; fails if the child exits first or time runs out.</summary>
    public async Task WaitForAsync(string word, TimeSpan timeout)
    {
        Task<string> line;
        lock (_gate)
        {
            if (_lines.Contains(word))
            {
                return;
            }

            _expected = word;
            _waitingFor = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            line = _waitingFor.Task;
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(line, exited, Task.Delay(timeout));
        if (first != line)
        {
            throw new InvalidOperationException($"The child ({string.Join(' ', _process.StartInfo.ArgumentList)}) {(first == exited ? $"exited with {_process.ExitCode}" : "timed out")} before printing {word}.");
        }
    }

    /// <summary>SIGKILL: no finalizers, no flush, no dispose.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            var parts = line.Split(' ');
            if (parts is ["RESULT", var name, var value])
            {
                _results[name] = double.Parse(value, CultureInfo.InvariantCulture);
            }

            if (line == _expected)
            {
                _waitingFor?.TrySetResult(line);
            }
        }
    }
}
