using System.Buffers;
namespace Omnibus.Protocol;

/// <summary>
/// Cuts frames out of what the transport has received. A frame that is complete in the transport buffer is handed
/// over in place; a large frame still arriving is moved into a pooled buffer that grows with the bytes actually
/// received (not with the length the header claims), so the transport buffer never has to hold a whole large frame
/// and a lying length costs nothing up front. Not thread-safe: one per connection, used by its read loop.
/// </summary>
internal sealed class FrameInput : IDisposable
{
    /// <summary>Bytes of an incomplete frame at which it is moved out of the transport buffer.</summary>
    private const int AssembleThreshold = 64 * 1024;

    private readonly int _maxFrameBytes;
    private readonly Func<byte, bool> _isValidOpcode;
    private byte[]? _assembly;
    private int _assembled;
    private int _assemblyTotal;

    /// <param name="maxFrameBytes">The largest frame accepted, header included.</param>
    /// <param name="isValidOpcode">Which opcodes the peer may send.</param>
    public FrameInput(int maxFrameBytes, Func<byte, bool> isValidOpcode)
    {
        _maxFrameBytes = maxFrameBytes;
        _isValidOpcode = isValidOpcode;
    }

    /// <summary>Whether part of a frame is held here (an end of stream now means a truncated frame).</summary>
    public bool HasPartialFrame => _assembly is not null;

    /// <summary>
    /// Takes the next complete frame from <paramref name="buffer"/> (advancing it) and passes it to
    /// <paramref name="handle"/>; false when more bytes are needed. Throws <see cref="ProtocolException"/> for a bad header.
    /// </summary>
    public bool TryTake<TState>(ref ReadOnlySequence<byte> buffer, TState state, FrameHandler<TState> handle)
    {
        if (_assembly is not null)
        {
            return Continue(ref buffer, state, handle);
        }

        if (buffer.Length < Frame.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Frame.HeaderSize];
        buffer.Slice(0, Frame.HeaderSize).CopyTo(header);
        var (total, opcode, requestId) = Frame.ReadHeader(header, _maxFrameBytes, _isValidOpcode);
        if (buffer.Length >= total)
        {
            var frame = buffer.Slice(0, total);
            if (frame.IsSingleSegment)
            {
                handle(state, (Opcode)opcode, requestId, frame.FirstSpan[Frame.HeaderSize..]);
            }
            else
            {
                var copy = ArrayPool<byte>.Shared.Rent(total);
                try
                {
                    frame.CopyTo(copy);
                    handle(state, (Opcode)opcode, requestId, copy.AsSpan(Frame.HeaderSize, total - Frame.HeaderSize));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(copy);
                }
            }

            buffer = buffer.Slice(total);
            return true;
        }

        if (buffer.Length >= AssembleThreshold)
        {
            _assemblyTotal = total;
            _assembled = 0;
            _assembly = ArrayPool<byte>.Shared.Rent((int)Math.Min(total, buffer.Length * 2));
            return Continue(ref buffer, state, handle);
        }

        return false;
    }

    public void Dispose() => ReturnAssembly();

    private bool Continue<TState>(ref ReadOnlySequence<byte> buffer, TState state, FrameHandler<TState> handle)
    {
        var take = (int)Math.Min(buffer.Length, _assemblyTotal - _assembled);
        if (_assembly!.Length < _assembled + take)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_assemblyTotal, Math.Max(_assembly.Length * 2, _assembled + take)));
            _assembly.AsSpan(0, _assembled).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_assembly);
            _assembly = bigger;
        }

        buffer.Slice(0, take).CopyTo(_assembly.AsSpan(_assembled));
        buffer = buffer.Slice(take);
        _assembled += take;
        if (_assembled < _assemblyTotal)
        {
            return false;
        }

        try
        {
            var header = _assembly.AsSpan(0, Frame.HeaderSize);
            handle(state, (Opcode)header[4], System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header[5..]), _assembly.AsSpan(Frame.HeaderSize, _assemblyTotal - Frame.HeaderSize));
        }
        finally
        {
            ReturnAssembly();
        }

        return true;
    }

    private void ReturnAssembly()
    {
        if (_assembly is { } assembly)
        {
            _assembly = null;
            ArrayPool<byte>.Shared.Return(assembly);
        }
    }
}

/// <summary>Handles one complete frame; the payload is valid only during the call.</summary>
internal delegate void FrameHandler<in TState>(TState state, Opcode opcode, uint requestId, ReadOnlySpan<byte> payload);
