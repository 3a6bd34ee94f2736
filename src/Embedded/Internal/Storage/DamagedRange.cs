namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Unreadable bytes inside a segment: records [<paramref name="FirstOffset"/>,
/// <paramref name="NextValidOffset"/>) starting at byte <paramref name="Position"/> cannot be read; reading
/// resumes at byte <paramref name="NextValidPosition"/>.
/// </summary>
internal readonly record struct DamagedRange(
    long Position, long FirstOffset, long NextValidPosition, long NextValidOffset, LogCorruptionReason Reason);
