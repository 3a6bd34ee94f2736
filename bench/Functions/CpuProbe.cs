using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Bench.Functions;

/// <summary>
/// CPU per invocation of one run, this process's (publisher, broker, host) and, for the isolated pipeline, the worker
/// process's: where the time of an invocation goes. The run's own timing is unchanged (it waits for the same count).
/// </summary>
internal static class CpuProbe
{
    public static async Task MeasureAsync(string pipeline, int n, int? workerProcessId, Func<Task> feed)
    {
        using var self = Process.GetCurrentProcess();
        using var worker = workerProcessId is { } id ? Process.GetProcessById(id) : null;
        var (selfBefore, workerBefore) = (self.TotalProcessorTime, worker?.TotalProcessorTime ?? TimeSpan.Zero);
        var target = Invocations.Count + n;
        await feed();
        while (Invocations.Count < target)
        {
            await Task.WhenAny(Invocations.Progress, Task.Delay(1));
        }

        self.Refresh();
        worker?.Refresh();
        var selfUs = (self.TotalProcessorTime - selfBefore).TotalMicroseconds / n;
        var workerUs = worker is null ? (double?)null : (worker.TotalProcessorTime - workerBefore).TotalMicroseconds / n;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {pipeline}: CPU per invocation {selfUs:0.0} us in this process{(workerUs is { } w ? $", {w:0.0} us in the worker process" : string.Empty)}"));
    }
}
