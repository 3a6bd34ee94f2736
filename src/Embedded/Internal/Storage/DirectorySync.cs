using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Makes a directory's entries durable, so a new segment file still exists after a power cut.
/// .NET has no API for this: on Unix the directory is opened and fsync'ed through libc; on Windows
/// NTFS journals directory entries and nothing is needed. Thread-safe.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    /// <summary>Flushes the entries of <paramref name="directory"/> to disk.</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to flush it.", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"Cannot flush directory '{directory}'.", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport rather than LibraryImport: the generated stubs would need unsafe code in this project.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
