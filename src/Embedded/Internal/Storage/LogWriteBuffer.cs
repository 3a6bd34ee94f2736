namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// Encoded records waiting for the writer: one contiguous byte run, all for one segment. Grows on demand up to its limit, so idle partitions stay small. Not thread-safe: the log's
/// lock guards the buffer being filled, and the flusher owns the buffer being written.
/// </summary>
internal sealed class LogWriteBuffer(int limitBytes)
{
    private const int InitialBytes = 64 * 1024;

    private byte[] _bytes = [];

    /// <summary>Gets the most bytes the buffer may hold.</summary>
    public int LimitBytes { get; } = limitBytes;

    /// <summary>Gets the number of bytes filled.</summary>
    public int Length { get; private set; }

    /// <summary>Gets the number of records in the buffer.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the offset of the first record; meaningful when <see cref="Count"/> is not zero.</summary>
    public long FirstOffset { get; private set; }

    /// <summary>Gets the offset of the last record; meaningful when <see cref="Count"/> is not zero.</summary>
    public long LastOffset { get; private set; }

    /// <summary>
    /// Gets or sets the new segment these records start, or null when they continue the segment being
    /// written. A batch never spans segments, so it is either wholly durable or wholly failed.
    /// </summary>
    public LogSegment? StartsSegment { get; set; }

    /// <summary>Gets the filled bytes.</summary>
    public ReadOnlyMemory<byte> Filled => _bytes.AsMemory(0, Length);

    /// <summary>True when <paramref name="length"/> more bytes fit within the limit.</summary>
    public bool Fits(int length) => Length + (long)length <= LimitBytes;

    /// <summary>Reserves room for one record with <paramref name="offset"/> and returns it to be filled.</summary>
    public Span<byte> Add(long offset, int length)
    {
        if (_bytes.Length < Length + length)
        {
            var size = Math.Max(_bytes.Length, InitialBytes);
            while (size < Length + length)
            {
                size *= 2;
            }

            Array.Resize(ref _bytes, Math.Min(size, Math.Max(LimitBytes, Length + length)));
        }

        if (Count++ == 0)
        {
            FirstOffset = offset;
        }

        LastOffset = offset;
        var span = _bytes.AsSpan(Length, length);
        Length += length;
        return span;
    }

    /// <summary>Takes back the last <see cref="Add"/> after its record could not be encoded.</summary>
    public void RemoveLast(int length, long previousLastOffset)
    {
        Length -= length;
        Count--;
        LastOffset = previousLastOffset;
    }

    /// <summary>Empties the buffer for reuse, keeping its memory.</summary>
    public void Clear()
    {
        Length = 0;
        Count = 0;
        StartsSegment = null;
    }
}
