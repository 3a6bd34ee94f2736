using System.Diagnostics;
using System.Text;

namespace Omnibus.Cli.Tests;

/// <summary>The built <c>omnibus</c> tool run as a child process (<c>dotnet omnibus.dll ...</c>), with a clean environment.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    /// <summary>How long one command may take on a busy two-core machine before the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _readOut;
    private readonly Task _readErr;
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _watchers = [];

    private CliProcess(Process process)
    {
        _process = process;
        _readOut = PumpAsync(process.StandardOutput, _stdout, notify: true);
        _readErr = PumpAsync(process.StandardError, _stderr, notify: false);
    }

    /// <summary>The repository root: these tests run from tests/Cli.Tests/bin/&lt;configuration&gt;/&lt;tfm&gt;/ below it.</summary>
    public static string RepositoryRoot { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>The directory holding omnibus.dll, built by the project reference in the same configuration as the tests.</summary>
    public static string ToolDirectory { get; } = FindToolDirectory();

    /// <summary>Standard output so far.</summary>
    public string Stdout => Snapshot(_stdout);

    /// <summary>Standard error so far.</summary>
    public string Stderr => Snapshot(_stderr);

    /// <summary>Starts <c>omnibus <paramref name="args"/></c>; standard input stays open until <see cref="CloseInputAsync"/>.</summary>
    public static CliProcess Start(params string[] args) => StartDll(Path.Combine(ToolDirectory, "omnibus.dll"), null, args);

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> in <paramref name="workingDirectory"/> (another app, e.g. the sample).</summary>
    public static CliProcess StartDll(string dll, string? workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.WorkingDirectory = workingDirectory ?? string.Empty;
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var variable in new[] { "OMNIBUS_CONNECT", "OMNIBUS_TOKEN", "OMNIBUS_DATA_DIR" })
        {
            info.Environment.Remove(variable);
        }

        return new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Runs <c>omnibus <paramref name="args"/></c> to completion, feeding it <paramref name="stdin"/>.</summary>
    public static async Task<CliResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        await using var process = Start(args);
        if (stdin is not null)
        {
            await process._process.StandardInput.WriteAsync(stdin);
        }

        await process.CloseInputAsync();
        var code = await process.WaitForExitAsync(DefaultTimeout);
        return new CliResult(code, process.Stdout, process.Stderr, string.Join(' ', args));
    }

    /// <summary>Runs <c>omnibus <paramref name="args"/></c> with empty standard input.</summary>
    public static Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    /// <summary>Closes standard input (end of file for the tool).</summary>
    public async Task CloseInputAsync()
    {
        await _process.StandardInput.FlushAsync();
        _process.StandardInput.Close();
    }

    /// <summary>The first standard-output line matching <paramref name="match"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            if (_stdout.ToString().Split('\n').FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _watchers.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching line within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>SIGKILL: nothing of the tool's own shutdown runs, as when the machine loses power or the OOM killer strikes.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        _process.Kill();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Sends SIGTERM, as a service manager stopping the tool would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited {kill.ExitCode}");
        }
    }

    /// <summary>Waits for the exit code; kills the process and fails when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"omnibus did not exit within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        await Task.WhenAll(_readOut, _readErr);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder into, bool notify)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.Append(line).Append('\n');
                if (notify)
                {
                    foreach (var watcher in _watchers.Where(w => w.Match(line)).ToList())
                    {
                        _watchers.Remove(watcher);
                        watcher.Found.TrySetResult(line);
                    }
                }
            }
        }
    }

    private static string FindToolDirectory()
    {
        // tests/Cli.Tests/bin/<configuration>/<tfm>/ -> src/Cli/bin/<configuration>/<tfm>/
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var directory = Path.Combine(RepositoryRoot, "src", "Cli", "bin", bin.Parent!.Name, bin.Name);
        return File.Exists(Path.Combine(directory, "omnibus.dll")) ? directory
            : throw new FileNotFoundException($"omnibus.dll is not in {directory}: build src/Cli in the tests' configuration.");
    }
}

/// <summary>How one run of the tool ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, string Command)
{
    /// <summary>Standard output split into non-empty lines.</summary>
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Fails unless the exit code is <paramref name="expected"/>, showing both streams.</summary>
    public CliResult Expect(int expected)
    {
        Assert.True(ExitCode == expected, $"omnibus {Command} exited {ExitCode}, expected {expected}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }
}
