using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Omnibus.Cli.Internal;

/// <summary>
/// Standard output that reports a closed reader. .NET's console stream ignores a broken pipe (EPIPE), so a subscriber
/// writing into <c>| head -1</c> would go on acknowledging messages nobody reads; file descriptor 1 as a plain stream
/// throws <see cref="IOException"/> instead, and <c>sub</c> stops without acknowledging. Only for pipes: on a regular
/// file a <see cref="FileStream"/> writes at its own offset and would overwrite what the shell writes after it.
/// </summary>
internal static class StrictStandardOutput
{
    public static TextWriter Open()
    {
        Stream? stream = null;
        if (!OperatingSystem.IsWindows())
        {
            var descriptor = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (descriptor.CanSeek)
            {
                descriptor.Dispose();
            }
            else
            {
                stream = descriptor;
            }
        }

        return new StreamWriter(stream ?? Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
    }
}
