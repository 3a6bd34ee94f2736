using System.Text;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class RecordFormatTests
{
    [Fact]
    public void Write_AllFieldsSet_DecodesToSameFields()
    {
        var data = new LogRecordData
        {
            RecordType = 3,
            Flags = 0x81,
            Timestamp = 1_700_000_000_123,
            DeliverAt = 1_700_000_060_000,
            ExpiresAt = 1_700_003_600_000,
            MessageId = "msg-Ω-1",
            Key = Encoding.UTF8.GetBytes("order-1"),
            Headers = [new LogHeader("content-type", Encoding.UTF8.GetBytes("application/json")), new LogHeader("empty", ReadOnlyMemory<byte>.Empty)],
            Body = Encoding.UTF8.GetBytes("{\"id\":1}"),
        };

        var frame = Encode(data, offset: 42);

        Assert.Equal(LogCorruptionReason.None, RecordFormat.Check(frame, out var length));
        Assert.Equal(frame.Length, length);
        Assert.True(RecordFormat.TryDecode(frame, out var record));
        Assert.Equal(42, record!.Offset);
        Assert.Equal(3, record.RecordType);
        Assert.Equal(0x81, record.Flags);
        Assert.Equal(data.Timestamp, record.Timestamp);
        Assert.Equal(data.DeliverAt, record.DeliverAt);
        Assert.Equal(data.ExpiresAt, record.ExpiresAt);
        Assert.Equal("msg-Ω-1", record.MessageId);
        Assert.Equal("order-1", Encoding.UTF8.GetString(record.Key!.Value.Span));
        Assert.Equal(2, record.Headers.Count);
        Assert.Equal("content-type", record.Headers[0].Name);
        Assert.Equal("application/json", Encoding.UTF8.GetString(record.Headers[0].Value.Span));
        Assert.Equal("empty", record.Headers[1].Name);
        Assert.True(record.Headers[1].Value.IsEmpty);
        Assert.Equal("{\"id\":1}", Encoding.UTF8.GetString(record.Body.Span));
    }

    [Fact]
    public void Write_OnlyRequiredFields_UsesFixedSizePlusBody()
    {
        var data = new LogRecordData { Timestamp = 5, Body = new byte[100] };

        var frame = Encode(data, offset: 0);

        Assert.Equal(RecordFormat.FixedSize + 100, frame.Length);
        Assert.True(RecordFormat.TryDecode(frame, out var record));
        Assert.Null(record!.Key);
        Assert.Null(record.MessageId);
        Assert.Empty(record.Headers);
        Assert.Equal(0, record.DeliverAt);
    }

    [Fact]
    public void Write_EmptyKey_KeepsEmptyKeyDistinctFromNoKey()
    {
        Assert.True(RecordFormat.TryDecode(Encode(new LogRecordData { Key = Array.Empty<byte>() }, 0), out var record));

        Assert.NotNull(record!.Key);
        Assert.True(record.Key.Value.IsEmpty);
    }

    [Fact]
    public void Check_AnyFlippedByte_ReportsDamage()
    {
        var frame = Encode(TestRecords.Create(1), offset: 1);
        for (var i = 0; i < frame.Length; i++)
        {
            var copy = (byte[])frame.Clone();
            copy[i] ^= 0x10;
            Assert.NotEqual(LogCorruptionReason.None, RecordFormat.Check(copy, out _));
        }
    }

    [Fact]
    public void Check_FrameCutShort_ReportsTorn()
    {
        var frame = Encode(TestRecords.Create(1), offset: 1);

        Assert.Equal(LogCorruptionReason.Torn, RecordFormat.Check(frame.AsSpan(0, frame.Length - 1), out _));
        Assert.Equal(LogCorruptionReason.Torn, RecordFormat.Check(frame.AsSpan(0, 3), out _));
    }

    [Fact]
    public void Check_ZeroLength_ReportsInvalidLength() =>
        Assert.Equal(LogCorruptionReason.InvalidLength, RecordFormat.Check(new byte[64], out _));

    [Fact]
    public void GetEncodedLength_MessageIdOver255Bytes_ThrowsNamingLimit()
    {
        var error = Assert.Throws<ArgumentException>(() => RecordFormat.GetEncodedLength(new LogRecordData { MessageId = new string('x', 256) }));

        Assert.Contains("256 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 255", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Encode(in LogRecordData data, long offset)
    {
        var frame = new byte[RecordFormat.GetEncodedLength(data)];
        RecordFormat.Write(frame, data, offset);
        return frame;
    }
}
