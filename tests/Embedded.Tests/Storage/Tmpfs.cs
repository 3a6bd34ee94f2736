using System.Diagnostics;
using Omnibus.Conformance;

namespace Omnibus.Embedded.Tests.Storage;

/// <summary>A small tmpfs mounted for one test, so the test can really fill a disk.</summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    private Tmpfs(string mountPoint) => MountPoint = mountPoint;

    /// <summary>Gets why a tmpfs cannot be mounted here, or null when it can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public string MountPoint { get; }

    public static Tmpfs Mount(string mountPoint, string size)
    {
        Directory.CreateDirectory(mountPoint);
        var (exitCode, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", mountPoint);
        return exitCode == 0 ? new Tmpfs(mountPoint) : throw new InvalidOperationException($"mount failed ({exitCode}): {error}");
    }

    /// <summary>Grows (or shrinks) the mounted disk, as an operator freeing space would.</summary>
    public void Resize(string size)
    {
        var (exitCode, error) = Run("mount", "-o", $"remount,size={size}", MountPoint);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"remount failed ({exitCode}): {error}");
        }
    }

    public void Dispose() => Run("umount", "-l", MountPoint);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Filling a real disk needs a Linux tmpfs mount.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "Mounting a tmpfs to fill a real disk needs root.";
        }

        var probe = Path.Combine(Path.GetTempPath(), "omnibus-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (Mount(probe, "64k"))
            {
                return null;
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"Cannot mount a tmpfs here: {exception.Message}";
        }
        finally
        {
            Directory.Delete(probe);
        }
    }

    private static (int ExitCode, string Error) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}

/// <summary>
/// A fact that is skipped, with the reason, where a tmpfs cannot be mounted, except in CI
/// (<see cref="TestEnvironment.IsCI"/>), where it runs and fails instead: CI must fill a real disk.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.UnavailableReason is { } reason)
        {
            Skip = TestEnvironment.SkipUnlessCI(reason);
        }
    }
}
