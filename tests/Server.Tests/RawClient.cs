using System.Buffers;
using System.Net.Sockets;
using Omnibus.Protocol;

namespace Omnibus.Server.Tests;

/// <summary>A bare TCP client speaking frames by hand, for tests that break the protocol on purpose.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly FrameInput _input = new(64 * 1024 * 1024, Opcodes.IsReply);
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(System.Net.IPEndPoint endpoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endpoint);
        return new RawClient(tcp);
    }

    /// <summary>Encodes one frame.</summary>
    public static byte[] Encode(Opcode opcode, uint requestId, Action<FrameBuilder>? write = null)
    {
        using var builder = new FrameBuilder();
        var start = builder.Begin(opcode, requestId);
        write?.Invoke(builder);
        builder.End(start);
        return builder.Written.ToArray();
    }

    public static byte[] Hello(string? token = null) => Encode(Opcode.Hello, 1, b =>
    {
        b.WriteUInt16(Frame.Version);
        b.WriteNullableString(token);
        b.WriteNullableString("raw");
    });

    /// <summary>A SUBSCRIBE of <paramref name="topic"/> for group <paramref name="group"/>, from the earliest message.</summary>
    public static byte[] Subscribe(uint requestId, uint subscriptionId, string topic, string group, int credit) => Encode(Opcode.Subscribe, requestId, b =>
    {
        b.WriteUInt32(subscriptionId);
        b.WriteString(topic);
        b.WriteString(group);
        b.WriteByte(0); // earliest
        b.WriteByte(0); // no ordering
        b.WriteVarint(1); // concurrency
        b.WriteVarint(5); // max attempts
        b.WriteNullableString(null);
        b.WriteVarint((ulong)credit);
    });

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends HELLO and expects HELLO_OK.</summary>
    public async Task HandshakeAsync(string? token = null)
    {
        await SendAsync(Hello(token));
        var reply = await ReadAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Opcode.HelloOk, reply!.Value.Opcode);
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<(Opcode Opcode, uint RequestId, byte[] Payload)?> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            (Opcode, uint, byte[])? frame = null;
            var pending = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
            if (_input.TryTake(ref pending, 0, (_, op, id, payload) => frame = (op, id, payload.ToArray())))
            {
                _start = _end - (int)pending.Length;
                return frame;
            }

            _start = _end - (int)pending.Length;
            if (_end == _buffer.Length)
            {
                var bigger = new byte[_buffer.Length * 2];
                _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
                _end -= _start;
                _start = 0;
                _buffer = bigger;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
            }
            catch (IOException)
            {
                return null; // reset by the server
            }

            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    /// <summary>Reads until the server sends an ERROR; returns its code, fatal flag and text.</summary>
    public async Task<(ErrorCode Code, bool Fatal, string Text)> ReadErrorAsync(TimeSpan timeout)
    {
        while (await ReadAsync(timeout) is { } frame)
        {
            if (frame.Opcode == Opcode.Error)
            {
                var reader = new FrameReader(frame.Payload);
                return ErrorFrame.Read(ref reader);
            }
        }

        throw new InvalidOperationException("The server closed the connection without an ERROR frame.");
    }

    /// <summary>Whether the server closes the connection (after any frames) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        try
        {
            while (await ReadAsync(timeout) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _input.Dispose();
        _tcp.Dispose();
    }
}
