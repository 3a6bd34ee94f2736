using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Omnibus.Cli.Internal;

/// <summary>
/// Standard output that reports a closed reader. .NET's console stream ignores a broken pipe (EPIPE), so a subscriber
/// writing into <c>| head -1</c> would go on acknowledging messages nobody reads; file descriptor 1 as a plain stream
/// throws <see cref="IOException"/> instead, and <c>sub</c> stops without acknowledging.
/// </summary>
internal static class StrictStandardOutput
{
    public static TextWriter Open()
    {
        var stream = OperatingSystem.IsWindows()
            ? Console.OpenStandardOutput()
            : new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024) { AutoFlush = false };
    }
}
