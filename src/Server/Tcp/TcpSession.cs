using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Protocol;

namespace Omnibus.Server.Tcp;

/// <summary>
/// One client connection: a read loop that parses frames strictly and dispatches them without blocking, a writer
/// loop (<see cref="Outbox"/>) that batches replies and deliveries, and the connection's subscriptions. The read loop
/// stops reading while the client has too many publishes in flight or leaves its replies unread, so a client can
/// only ever make the server hold a bounded amount for it. Closing releases every unsettled delivery to the broker.
/// </summary>
internal sealed partial class TcpSession : IDisposable
{
    /// <summary>Encoded bytes waiting for the client above which producers wait (and the read loop pauses).</summary>
    internal const int OutboxLimit = 256 * 1024;

    /// <summary>Publishes of one connection in flight to the broker before the read loop pauses.</summary>
    private const int MaxInFlightPublishes = 4096;

    private readonly ConnectionContext _connection;
    private readonly Broker _broker;
    private readonly OmnibusServerOptions _options;
    private readonly ServerStats _stats;
    private readonly ILogger _logger;
    private readonly Outbox _outbox = new(OutboxLimit);
    private readonly FrameInput _input;
    private readonly CancellationTokenSource _closing = new();
    private readonly AsyncSignal _publishDone = new();
    private readonly long _maxInFlightBytes;
    private TokenGrant? _grant;
    private int _inFlight;
    private long _inFlightBytes;
    private uint _requestId;
    private string _closeReason = "closed by the client";

    public TcpSession(ConnectionContext connection, Broker broker, OmnibusServerOptions options, ServerStats stats, ILogger logger)
    {
        _connection = connection;
        _broker = broker;
        _options = options;
        _stats = stats;
        _logger = logger;
        _input = new FrameInput(options.MaxFrameBytes, Opcodes.IsRequest);
        _maxInFlightBytes = Math.Max(8L * 1024 * 1024, 2L * options.MaxFrameBytes);
        Remote = connection.RemoteEndPoint?.ToString() ?? "unknown";
    }

    public string Remote { get; }

    private string Id => _connection.ConnectionId;

    /// <summary>Sends a fatal error and closes, without reading anything.</summary>
    public async Task RefuseAsync(ErrorCode code, string text)
    {
        var writer = _outbox.RunAsync(WriteAsync, TimeSpan.FromSeconds(5), _closing.Token);
        ErrorFrame.Write(_outbox, 0, code, fatal: true, text);
        _outbox.Close();
        await ObserveAsync(writer).ConfigureAwait(false);
        await _connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
    }

    public async Task RunAsync()
    {
        Log.Opened(_logger, Id, Remote);
        var writer = _outbox.RunAsync(WriteAsync, _options.IdleTimeout, _closing.Token);
        _ = writer.ContinueWith(static (t, s) => ((TcpSession)s!).OnWriterEnded(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        using var shutdown = _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(static s => ((TcpSession)s!).OnShutdown(), this);
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (ProtocolException e)
        {
            Fatal(e.Code, e.Message);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            // The transport went away (or was aborted because the client stopped reading): nothing to tell it.
            _closeReason = _closing.IsCancellationRequested ? _closeReason : e.Message;
        }
        finally
        {
            await CloseSubscriptionsAsync().ConfigureAwait(false);
            _outbox.Close();
            await ObserveAsync(writer.WaitAsync(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            _closing.Cancel();
            await _connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            await _connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
            Log.Closed(_logger, Id, Remote, _closeReason);
        }
    }

    /// <summary>Returns the pooled buffers. The closing token is left undisposed: a writer that ends late still cancels it.</summary>
    public void Dispose()
    {
        _input.Dispose();
        _outbox.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var input = _connection.Transport.Input;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        while (true)
        {
            idle.CancelAfter(_options.IdleTimeout);
            ReadResult result;
            try
            {
                result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_closing.IsCancellationRequested)
            {
                throw new ProtocolException(ErrorCode.IdleTimeout, $"Nothing was received for IdleTimeout ({_options.IdleTimeout.TotalSeconds:0.#} s); clients send PING when otherwise silent.");
            }

            if (result.IsCanceled)
            {
                return;
            }

            var buffer = result.Buffer;
            var paused = false;
            try
            {
                // Frame by frame, so that a burst of requests cannot queue more replies than the outbox limit.
                while (!(paused = MustPause()) && _input.TryTake(ref buffer, this, static (s, op, id, payload) => s.HandleFrame(op, id, payload)))
                {
                }
            }
            finally
            {
                // Paused with frames left: they are not "examined", so the next read returns them at once.
                input.AdvanceTo(buffer.Start, paused ? buffer.Start : buffer.End);
            }

            if (result.IsCompleted && !paused)
            {
                if (!buffer.IsEmpty || _input.HasPartialFrame)
                {
                    throw new ProtocolException(ErrorCode.MalformedFrame, "The connection ended in the middle of a frame.");
                }

                return;
            }

            // Back-pressure: stop reading while the client has too much in flight or leaves its replies unread.
            while (TooMuchInFlight)
            {
                await _publishDone.WaitAsync(_closing.Token).ConfigureAwait(false);
            }

            await _outbox.WaitForSpaceAsync(_closing.Token).ConfigureAwait(false);
        }
    }

    private bool TooMuchInFlight => Volatile.Read(ref _inFlight) >= MaxInFlightPublishes || Interlocked.Read(ref _inFlightBytes) >= _maxInFlightBytes;

    private bool MustPause() => TooMuchInFlight || _outbox.PendingBytes >= OutboxLimit;

    private void HandleFrame(Opcode opcode, uint requestId, ReadOnlySpan<byte> payload)
    {
        // Remembered so that a fatal error names the request that caused it (0: the frame header itself).
        _requestId = requestId;
        Handle(opcode, requestId, payload);
        _requestId = 0;
    }

    private void Handle(Opcode opcode, uint requestId, ReadOnlySpan<byte> payload)
    {
        _stats.FrameReceived();
        var reader = new FrameReader(payload);
        if (_grant is null)
        {
            if (opcode != Opcode.Hello)
            {
                throw new ProtocolException(ErrorCode.HandshakeRequired, $"The first frame must be HELLO (0x01), not {opcode}.");
            }

            Hello(requestId, ref reader);
            return;
        }

        switch (opcode)
        {
            case Opcode.Hello:
                throw new ProtocolException(ErrorCode.HandshakeRequired, "HELLO was sent twice.");
            case Opcode.Publish:
                Publish(requestId, ref reader);
                break;
            case Opcode.PublishBatch:
                PublishBatch(requestId, ref reader);
                break;
            case Opcode.Subscribe:
                Subscribe(requestId, ref reader);
                break;
            case Opcode.Credit:
                Credit(ref reader);
                break;
            case Opcode.Ack:
                Ack(ref reader);
                break;
            case Opcode.Nack:
                Nack(ref reader);
                break;
            case Opcode.Unsubscribe:
                Unsubscribe(requestId, ref reader);
                break;
            case Opcode.ReportStarts:
                ReportStarts(ref reader);
                break;
            case Opcode.Started:
                Started(ref reader);
                break;
            case Opcode.Ping:
                reader.End();
                using (_outbox.Begin(Opcode.Pong, requestId))
                {
                }

                break;
            default:
                Admin(opcode, requestId, ref reader);
                break;
        }
    }

    private void Hello(uint requestId, ref FrameReader reader)
    {
        var version = reader.ReadUInt16();
        var token = reader.ReadNullableString("token");
        var clientName = reader.ReadNullableString("client name") ?? "unnamed";
        reader.End();
        if (version != Frame.Version)
        {
            throw new ProtocolException(ErrorCode.UnsupportedVersion, $"Protocol version {version} is not supported; this server speaks version {Frame.Version}.");
        }

        _grant = _options.Authorize(token);
        if (_grant is null)
        {
            _stats.Reject();
            var reason = token is null
                ? "Authentication required: this server needs a token (omnibus://host:port?token=...), and none was sent."
                : "Authentication failed: the token is not valid for this server.";
            Log.AuthenticationFailed(_logger, Id, Remote, reason);
            throw new ProtocolException(ErrorCode.Unauthenticated, reason);
        }

        Log.Authenticated(_logger, Id, clientName);
        using var frame = _outbox.Begin(Opcode.HelloOk, requestId);
        var b = frame.Builder;
        b.WriteUInt16(Frame.Version);
        b.WriteUInt32(AdminCodec.EncodeFeatures(_broker.Features) | AdminCodec.ReportsStartsBit);
        b.WriteUInt32((uint)_options.MaxFrameBytes);
        b.WriteUInt32((uint)_options.MaxCredits);
        b.WriteUInt32((uint)Math.Min(_options.IdleTimeout.TotalMilliseconds, uint.MaxValue));
        b.WriteUInt32((uint)_options.MaxSubscriptionsPerConnection);
    }

    /// <summary>Sends a fatal error; the session closes after it.</summary>
    private void Fatal(ErrorCode code, string text)
    {
        _closeReason = text;
        if (code is not (ErrorCode.Unauthenticated or ErrorCode.IdleTimeout or ErrorCode.ShuttingDown))
        {
            _stats.ProtocolError();
            Log.ProtocolError(_logger, Id, Remote, code.ToString(), text);
        }

        try
        {
            ErrorFrame.Write(_outbox, _requestId, code, fatal: true, text);
        }
        catch (IOException)
        {
            // Already closed: the client is gone.
        }
    }

    private void Reply(uint requestId, ErrorCode code, string text)
    {
        try
        {
            ErrorFrame.Write(_outbox, requestId, code, fatal: false, text);
        }
        catch (IOException)
        {
            // The connection closed before the reply: the client sees the close instead.
        }
    }

    private void ReplyOk(uint requestId)
    {
        try
        {
            using (_outbox.Begin(Opcode.Ok, requestId))
            {
            }
        }
        catch (IOException)
        {
            // The connection closed before the reply: the client sees the close instead.
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var result = await _connection.Transport.Output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The client closed the connection.");
        }
    }

    /// <summary>The server is stopping: say so (fatal), stop reading, and let the close release everything.</summary>
    private void OnShutdown()
    {
        Fatal(ErrorCode.ShuttingDown, "The server is shutting down.");
        _connection.Transport.Input.CancelPendingRead();
    }

    private void OnWriterEnded(Task writer)
    {
        if (writer.Exception?.InnerException is { } error)
        {
            if (error is TimeoutException)
            {
                _stats.SlowConsumer();
                _closeReason = "slow consumer: " + error.Message;
                Log.SlowConsumer(_logger, Id, Remote, _closeReason);
            }
            else
            {
                _closeReason = error.Message;
            }

            // The client cannot be told (it does not read): drop it, which ends the read loop.
            _closing.Cancel();
            _connection.Transport.Input.CancelPendingRead();
            _connection.Abort(new ConnectionAbortedException(_closeReason));
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ConnectionResetException or InvalidOperationException)
        {
            // Closing anyway; the reason was recorded where it happened.
        }
    }
}
