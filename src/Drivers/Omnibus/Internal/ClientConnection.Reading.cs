using System.Buffers;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>The read loop: frames from the server, replies matched to requests, deliveries to subscriptions.</summary>
internal sealed partial class ClientConnection
{
    private const int ReadBufferSize = 128 * 1024;

    /// <summary>The largest MaxFrameBytes a server may be configured with.</summary>
    private const int MaxServerFrameBytes = 256 * 1024 * 1024;

    /// <summary>Server frames may exceed the server's MaxFrameBytes a little: a delivery adds topic and tag to a published message.</summary>
    private const int ReplyAllowance = 64 * 1024;

    /// <summary>Replies parsed from the current read; used by the read loop only.</summary>
    private ReplyBatch _replies = new();

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        using var input = new FrameInput(MaxServerFrameBytes + ReplyAllowance, Opcodes.IsReply);
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < ReadBufferSize / 2)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end), _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                Interlocked.Exchange(ref _lastReceived, Environment.TickCount64);
                end += read;
                var pending = new ReadOnlySequence<byte>(buffer, start, end - start);
                try
                {
                    while (input.TryTake(ref pending, this, static (c, op, id, payload) => c.OnFrame(op, id, payload)))
                    {
                    }
                }

                finally
                {
                    _replies = _replies.Dispatch();
                }

                start = end - (int)pending.Length;
                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception e)
        {
            Fail(e is ProtocolException p ? new OmnibusServerException(p.Code.ToString(), "The server broke the protocol: " + p.Message, fatal: true) : e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnFrame(Opcode opcode, uint requestId, ReadOnlySpan<byte> payload)
    {
        var reader = new FrameReader(payload);
        switch (opcode)
        {
            case Opcode.Deliver:
                OnDeliver(ref reader);
                return;
            case Opcode.SubscriptionEnded:
                var subscriptionId = reader.ReadUInt32();
                var code = (ErrorCode)reader.ReadUInt16();
                var reason = reader.ReadString("reason");
                reader.End();
                EndSubscription(subscriptionId, new OmnibusServerException(code.ToString(), reason));
                return;
            case Opcode.Pong:
                return;
            case Opcode.Error:
                var (errorCode, fatal, text) = ErrorFrame.Read(ref reader);
                var error = new OmnibusServerException(errorCode.ToString(), text, fatal);
                if (Take(requestId) is { } failed)
                {
                    _replies.Add(failed, null, error);
                }

                if (fatal)
                {
                    throw error;
                }

                return;
        }

        if (Take(requestId) is not { } pending)
        {
            return; // a reply nobody waits for any more (its caller gave up)
        }

        if (opcode != pending.Expected)
        {
            throw new ProtocolException(ErrorCode.MalformedFrame, $"Reply {opcode} does not answer a request expecting {pending.Expected}.");
        }

        _replies.Add(pending, ReadReply(opcode, ref reader, pending), null);
    }

    private object? ReadReply(Opcode opcode, ref FrameReader reader, PendingRequest pending)
    {
        object? result;
        switch (opcode)
        {
            case Opcode.HelloOk:
                reader.ReadUInt16();
                var features = reader.ReadUInt32();
                Features = AdminCodec.DecodeFeatures(features);
                ReportsStarts = (features & AdminCodec.ReportsStartsBit) != 0;
                MaxFrameBytes = (int)Math.Min(reader.ReadUInt32(), MaxServerFrameBytes);
                MaxCredits = (int)Math.Min(reader.ReadUInt32(), int.MaxValue);
                var idle = TimeSpan.FromMilliseconds(reader.ReadUInt32());
                reader.ReadUInt32();
                PingInterval = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 50, 15_000));
                result = null;
                break;
            case Opcode.BatchResult:
                var count = reader.ReadVarint32(reader.Remaining, "batch size");
                var errors = new string?[count];
                for (var i = 0; i < count; i++)
                {
                    errors[i] = reader.ReadNullableString("entry error");
                }

                result = errors;
                break;
            case Opcode.TopicsResult:
                result = reader.ReadTopics();
                break;
            case Opcode.GroupsResult:
                result = reader.ReadGroups();
                break;
            case Opcode.PeekResult:
                var peeked = reader.ReadVarint32(reader.Remaining / 4, "message count");
                var messages = new List<Message>(peeked);
                for (var i = 0; i < peeked; i++)
                {
                    var attempt = reader.ReadVarint32(int.MaxValue, "attempt");
                    messages.Add(reader.ReadMessage(pending.Topic!, attempt));
                }

                result = messages;
                break;
            case Opcode.BacklogResult:
                var backlog = reader.ReadInt64();
                result = backlog < 0 ? null : backlog;
                break;
            default:
                result = null;
                break;
        }

        reader.End();
        return result;
    }

    private void OnDeliver(ref FrameReader reader)
    {
        var subscriptionId = reader.ReadUInt32();
        var tag = reader.ReadVarint();
        var attempt = reader.ReadVarint32(int.MaxValue, "attempt");
        var topic = reader.ReadString("topic");
        var message = reader.ReadMessage(topic, attempt);
        reader.End();
        Deliver(subscriptionId, tag, message);
    }

    /// <summary>Acknowledges a delivery received on this connection; does nothing once the connection closed (the server has released it).</summary>
    public void Ack(ulong tag)
    {
        if (!TrySend(Opcode.Ack, tag, static (b, t) =>
        {
            b.WriteVarint(1);
            b.WriteVarint(t);
        }))
        {
            Log.SettleLost(_logger, tag);
        }
    }

    /// <summary>
    /// Tells the server that a handler is about to run on a delivery, so it counts the attempt, and completes once that
    /// is written to the socket (with every ACK before it): what follows may end the process. A server that does not
    /// take STARTED counted the attempt when it sent the delivery.
    /// </summary>
    public Task StartedAsync(ulong tag)
    {
        if (!ReportsStarts)
        {
            return Task.CompletedTask;
        }

        if (!TrySend(Opcode.Started, tag, static (b, t) =>
        {
            b.WriteVarint(1);
            b.WriteVarint(t);
        }))
        {
            return Task.FromException(new IOException("The connection is closed: the delivery is back with the server."));
        }

        return _outbox.WhenWrittenAsync();
    }

    /// <summary>Rejects a delivery received on this connection; the server redelivers it after <paramref name="delay"/>.</summary>
    public void Nack(ulong tag, TimeSpan delay)
    {
        if (!TrySend(Opcode.Nack, (tag, delay), static (b, s) =>
        {
            b.WriteVarint(s.tag);
            b.WriteVarint((ulong)Math.Max(0, (long)s.delay.TotalMilliseconds));
            b.WriteNullableString(null);
        }))
        {
            Log.SettleLost(_logger, tag);
        }
    }
}
