using System.Runtime.InteropServices;

namespace Omnibus.Bench;

/// <summary>What the numbers were measured on, how busy it was, and the process's memory as the kernel sees it. Shared by the bench harnesses.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    /// <summary>The 1-minute load average, to show how busy the shared machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>VmRSS and VmHWM (peak) of this process in MiB, from /proc/self/status; WorkingSet64 elsewhere.</summary>
    public static (double Rss, double Peak) ResidentMiB()
    {
        if (!File.Exists("/proc/self/status"))
        {
            var ws = Environment.WorkingSet / 1048576.0;
            return (ws, ws);
        }

        double Field(string name) => long.Parse(
            File.ReadLines("/proc/self/status").First(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim().Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    /// <summary>A full, compacting collection, so RSS shows what is live rather than garbage not yet collected.</summary>
    public static void CollectGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
