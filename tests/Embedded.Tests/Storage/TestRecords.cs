using System.Text;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

/// <summary>Deterministic records whose content can be checked from their number alone.</summary>
internal static class TestRecords
{
    public static LogRecordData Create(long number, int bodyBytes = 100, string? key = null) => new()
    {
        RecordType = 1,
        Flags = (byte)(number % 7),
        Timestamp = 1_700_000_000_000 + number,
        Key = key is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(key),
        Body = Body(number, bodyBytes),
    };

    public static byte[] Body(long number, int bodyBytes = 100)
    {
        var body = new byte[bodyBytes];
        var prefix = Encoding.ASCII.GetBytes($"record-{number}-");
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = prefix[i % prefix.Length];
        }

        return body;
    }

    public static long NumberOf(LogRecord record)
    {
        var text = Encoding.ASCII.GetString(record.Body.Span);
        return long.Parse(text.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void AssertIs(long number, LogRecord record, int bodyBytes = 100)
    {
        Assert.Equal(Body(number, bodyBytes), record.Body.ToArray());
        Assert.Equal(1_700_000_000_000 + number, record.Timestamp);
    }

    /// <summary>Reads every record from <paramref name="from"/> to the readable end.</summary>
    public static List<LogRecord> ReadAll(SegmentedLog log, long from = 0)
    {
        var all = new List<LogRecord>();
        while (true)
        {
            var batch = log.Read(from, 1000);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
            from = batch[^1].Offset + 1;
        }
    }
}
