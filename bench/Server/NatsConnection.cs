using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Omnibus.Bench.Server;

/// <summary>
/// A minimal client of the NATS text protocol, enough to load the server: CONNECT, PUB, SUB, and a reader that hands
/// every MSG/HMSG to a callback (PING is answered). Writes are buffered and sent in large chunks; one writer at a time.
/// </summary>
internal sealed class NatsConnection : IAsyncDisposable
{
    public delegate void MessageHandler(ReadOnlySpan<byte> subject, ReadOnlySpan<byte> reply, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload);

    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private readonly Socket _socket;
    private readonly byte[] _write = new byte[256 * 1024];
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly MessageHandler _onMessage;
    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource> _pongs = new();
    private Task? _reader;
    private int _written;

    private NatsConnection(Socket socket, MessageHandler onMessage)
    {
        _socket = socket;
        _onMessage = onMessage;
    }

    public static async Task<NatsConnection> ConnectAsync(int port, MessageHandler? onMessage = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var connection = new NatsConnection(socket, onMessage ?? ((_, _, _, _) => { }));
        connection._reader = Task.Run(connection.ReadLoopAsync);
        await connection.WriteAsync("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true}\r\n"u8.ToArray());
        await connection.PingAsync();
        return connection;
    }

    /// <summary>Flushes, sends PING and waits for its PONG: everything sent before is processed by the server.</summary>
    public async Task PingAsync()
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writing.WaitAsync();
        try
        {
            _pongs.Enqueue(pong);
            await AppendAsync("PING\r\n"u8.ToArray());
            await SendAsync();
        }
        finally
        {
            _writing.Release();
        }

        await pong.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Appends one PUB (buffered; call <see cref="FlushAsync"/>).</summary>
    public async ValueTask PublishAsync(string subject, string? reply, ReadOnlyMemory<byte> payload)
    {
        var line = reply is null ? $"PUB {subject} {payload.Length}\r\n" : $"PUB {subject} {reply} {payload.Length}\r\n";
        await _writing.WaitAsync();
        try
        {
            await AppendAsync(Encoding.ASCII.GetBytes(line));
            await AppendAsync(payload);
            await AppendAsync(Crlf);
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask SubscribeAsync(string subject, int sid)
    {
        await WriteAsync(Encoding.ASCII.GetBytes($"SUB {subject} {sid}\r\n"));
        await PingAsync();
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writing.WaitAsync();
        try
        {
            await AppendAsync(bytes);
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask FlushAsync()
    {
        await _writing.WaitAsync();
        try
        {
            await SendAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_reader is not null)
        {
            await _reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_written + bytes.Length > _write.Length)
        {
            await SendAsync();
        }

        bytes.Span.CopyTo(_write.AsSpan(_written));
        _written += bytes.Length;
    }

    private async ValueTask SendAsync()
    {
        var sent = 0;
        while (sent < _written)
        {
            sent += await _socket.SendAsync(_write.AsMemory(sent, _written - sent));
        }

        _written = 0;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4 * 1024 * 1024];
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (start > 0 && start == end)
                {
                    start = end = 0;
                }
                else if (end == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(end));
                if (read == 0)
                {
                    return;
                }

                end += read;
                start += await ParseAsync(buffer.AsMemory(start, end - start));
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Handles every complete frame in <paramref name="data"/>; returns the bytes consumed.</summary>
    private async ValueTask<int> ParseAsync(ReadOnlyMemory<byte> data)
    {
        var consumed = 0;
        var pings = 0;
        while (true)
        {
            var span = data.Span[consumed..];
            var eol = span.IndexOf("\r\n"u8);
            if (eol < 0)
            {
                break;
            }

            var line = span[..eol];
            if (line.StartsWith("MSG "u8) || line.StartsWith("HMSG "u8))
            {
                var headered = line[0] == (byte)'H';
                if (!TryParseMessageLine(line[(headered ? 5 : 4)..], headered, out var subject, out var reply, out var headerLength, out var total))
                {
                    throw new InvalidDataException("Malformed NATS message line: " + Encoding.ASCII.GetString(line));
                }

                if (span.Length < eol + 2 + total + 2)
                {
                    break; // the payload has not fully arrived
                }

                var body = span.Slice(eol + 2, total);
                _onMessage(line.Slice(subject.Start, subject.Length), reply.Length == 0 ? default : line.Slice(reply.Start, reply.Length), body[..headerLength], body[headerLength..]);
                consumed += eol + 2 + total + 2;
                continue;
            }

            if (line.SequenceEqual("PING"u8))
            {
                pings++;
            }
            else if (line.SequenceEqual("PONG"u8))
            {
                if (_pongs.TryDequeue(out var pong))
                {
                    pong.TrySetResult();
                }
            }
            else if (line.StartsWith("-ERR"u8))
            {
                Console.Error.WriteLine("nats: " + Encoding.ASCII.GetString(line));
            }

            consumed += eol + 2;
        }

        for (var i = 0; i < pings; i++)
        {
            await WriteAsync("PONG\r\n"u8.ToArray());
            await FlushAsync();
        }

        return consumed;
    }

    private static bool TryParseMessageLine(ReadOnlySpan<byte> rest, bool headered, out (int Start, int Length) subject, out (int Start, int Length) reply, out int headerLength, out int total)
    {
        // MSG <subject> <sid> [reply] <size>   |   HMSG <subject> <sid> [reply] <header size> <total size>
        Span<(int Start, int Length)> parts = stackalloc (int, int)[5];
        var count = 0;
        var offset = headered ? 5 : 4;
        var i = 0;
        while (i < rest.Length && count < parts.Length)
        {
            while (i < rest.Length && rest[i] == (byte)' ')
            {
                i++;
            }

            var from = i;
            while (i < rest.Length && rest[i] != (byte)' ')
            {
                i++;
            }

            if (i > from)
            {
                parts[count++] = (offset + from, i - from);
            }
        }

        subject = parts[0];
        var numbers = headered ? 2 : 1;
        reply = count - numbers == 3 ? parts[2] : default;
        headerLength = 0;
        total = 0;
        if (count - numbers is not (2 or 3))
        {
            return false;
        }

        var last = parts[count - 1];
        if (!Utf8Parser.TryParse(rest.Slice(last.Start - offset, last.Length), out total, out _))
        {
            return false;
        }

        if (headered)
        {
            var header = parts[count - 2];
            return Utf8Parser.TryParse(rest.Slice(header.Start - offset, header.Length), out headerLength, out _);
        }

        return true;
    }
}
