using System.Security.Cryptography;

namespace Omnibus.Internal;

/// <summary>
/// Generates message ids: 16 random hex digits per process, then a hex counter. Unique across processes
/// for practical purposes (64 random bits), ordered within a process, and about ten times cheaper than
/// <see cref="Guid.NewGuid"/> formatting, which matters on the publish hot path.
/// </summary>
internal static class MessageIds
{
    private static readonly string Prefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
    private static long _counter;

    public static string Next()
    {
        var n = Interlocked.Increment(ref _counter);
        return string.Create(null, stackalloc char[40], $"{Prefix}-{n:x}");
    }
}
