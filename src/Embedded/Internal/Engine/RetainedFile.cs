using System.Buffers.Binary;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>A topic's retained message and the partition its record was appended to.</summary>
internal sealed record RetainedMessage(int Partition, LogRecord Record)
{
    public LogPosition Position => new(Partition, Record.Offset);
}

/// <summary>
/// The retained message of a topic, copied into its own file (<c>retained.rec</c> in the topic's directory: the partition,
/// then the record in the log's format, checksum included), so that retention deleting the record's segment cannot lose
/// it. Written to a temporary file, flushed and renamed, so a crash leaves the old copy or the new one, never half of one.
/// </summary>
internal static class RetainedFile
{
    private const string FileName = "retained.rec";

    /// <summary>Stores <paramref name="data"/>, appended at <paramref name="position"/>, as the retained message; returns it as read back.</summary>
    public static RetainedMessage Write(string directory, LogPosition position, in LogRecordData data)
    {
        var bytes = new byte[4 + RecordFormat.GetEncodedLength(data)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, position.Partition);
        RecordFormat.Write(bytes.AsSpan(4), data, position.Offset);
        var temp = Path.Combine(directory, FileName + ".tmp");
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(directory, FileName), overwrite: true);
        DirectorySync.Flush(directory);
        return Decode(bytes, directory);
    }

    /// <summary>The retained message stored in <paramref name="directory"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is damaged (its checksum or framing does not hold).</exception>
    public static RetainedMessage? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return File.Exists(path) ? Decode(File.ReadAllBytes(path), directory) : null;
    }

    /// <summary>Removes the retained message (an empty retained publish clears it, as in MQTT).</summary>
    public static void Delete(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            File.Delete(path);
            DirectorySync.Flush(directory);
        }
    }

    private static RetainedMessage Decode(byte[] bytes, string directory)
    {
        var frame = bytes.AsSpan(4);
        if (bytes.Length < 4 + RecordFormat.FixedSize || RecordFormat.Check(frame, out var length) != LogCorruptionReason.None
            || length != frame.Length || !RecordFormat.TryDecode(frame, out var record) || record is null)
        {
            throw new InvalidDataException($"The retained message in '{Path.Combine(directory, FileName)}' is damaged (its checksum or framing does not hold); delete the file to drop it.");
        }

        return new RetainedMessage(BinaryPrimitives.ReadInt32LittleEndian(bytes), record);
    }
}
