using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// One TCP (or TLS) connection to an omnibus server, multiplexing every request and subscription of a driver.
/// Requests are pipelined: each gets a request id and its reply completes it, in whatever order replies come. A read
/// loop parses frames, an <see cref="Outbox"/> writer batches what any thread sends, and a pinger keeps the server's
/// idle timer happy and notices a dead server. Once closed, it stays closed, and so do its subscriptions: the driver
/// makes a new connection on next use, and the core subscribes again. Thread-safe.
/// </summary>
internal sealed partial class ClientConnection : IAsyncDisposable
{
    /// <summary>Encoded bytes waiting for the server above which publishers wait.</summary>
    private const int OutboxLimit = 1024 * 1024;

    private readonly OmnibusSettings _settings;
    private readonly ILogger _logger;
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly Outbox _outbox = new(OutboxLimit);
    private readonly Dictionary<uint, PendingRequest> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _writer = Task.CompletedTask;
    private Task _reader = Task.CompletedTask;
    private uint _nextRequestId;
    private long _lastReceived = Environment.TickCount64;
    private Exception? _failure;

    // Set once the handshake completed: a connection refused at the handshake was never "lost", so it is not logged so.
    private bool _established;

    private ClientConnection(OmnibusSettings settings, TcpClient tcp, Stream stream, ILogger logger)
    {
        _settings = settings;
        _tcp = tcp;
        _stream = stream;
        _logger = logger;
    }

    /// <summary>What the served broker can do, from the handshake.</summary>
    public BrokerFeatures Features { get; private set; } = new();

    /// <summary>The server's frame limit, from the handshake.</summary>
    public int MaxFrameBytes { get; private set; } = Frame.DefaultMaxFrameBytes;

    /// <summary>Whether the server counts attempts on STARTED (from the handshake); the connection then reports starts.</summary>
    public bool ReportsStarts { get; private set; }

    /// <summary>The server's cap on a subscription's credit, from the handshake.</summary>
    public int MaxCredits { get; private set; } = int.MaxValue;

    public bool IsOpen => Volatile.Read(ref _failure) is null;

    /// <summary>How often to ping: a quarter of the server's IdleTimeout (from the handshake), so that a late ping or two is harmless.</summary>
    private TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Why it closed, or null while open.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Connects, negotiates TLS if asked, and completes the handshake.</summary>
    /// <exception cref="OmnibusServerException">The server refused the connection (token, limits, version).</exception>
    public static async Task<ClientConnection> ConnectAsync(OmnibusSettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        var tcp = new TcpClient { NoDelay = true };
        ClientConnection? connection = null;
        try
        {
            await tcp.ConnectAsync(settings.Host, settings.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (settings.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, errors) => settings.Accepts(certificate, errors));
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = settings.TlsServerName ?? settings.Host }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            connection = new ClientConnection(settings, tcp, stream, logger);
            connection.Start();
            var hello = connection.Request(Opcode.Hello, new PendingRequest(Opcode.HelloOk), settings, static (b, s) =>
            {
                b.WriteUInt16(Frame.Version);
                b.WriteNullableString(s.Token);
                b.WriteNullableString(s.Name);
            });
            await hello.WaitAsync(timeout.Token).ConfigureAwait(false);
            if (connection.ReportsStarts && !connection.TrySend(Opcode.ReportStarts, 0, static (_, _) => { }))
            {
                throw new IOException($"The connection to {settings} closed during the handshake.");
            }

            _ = Task.Run(connection.PingLoopAsync); // paced by the server's IdleTimeout, known from here on
            Volatile.Write(ref connection._established, true);
            Log.Connected(logger, settings.ToString());
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                tcp.Dispose();
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {settings} took longer than connectTimeout ({settings.ConnectTimeout.TotalSeconds:0.#} s).", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Sends a request and returns its reply (null for OK). <paramref name="write"/> encodes the payload; a frame
    /// larger than the server's limit is not sent and fails with FrameTooLarge.
    /// </summary>
    public Task<object?> Request<TState>(Opcode opcode, PendingRequest pending, TState state, Action<FrameBuilder, TState> write)
    {
        uint id;
        lock (_pending)
        {
            if (_failure is { } failure)
            {
                return Task.FromException<object?>(failure);
            }

            do
            {
                id = ++_nextRequestId;
            }
            while (id == 0 || _pending.ContainsKey(id));

            _pending.Add(id, pending);
        }

        var tooLarge = 0;
        try
        {
            using var frame = _outbox.Begin(opcode, id);
            write(frame.Builder, state);
            if (frame.Size > MaxFrameBytes)
            {
                tooLarge = frame.Size;
                frame.Abandon();
            }
        }
        catch (IOException)
        {
            Take(id);
            return Task.FromException<object?>(Failure ?? new IOException("The connection is closed."));
        }

        if (tooLarge > 0)
        {
            Take(id);
            return Task.FromException<object?>(new OmnibusServerException(nameof(ErrorCode.FrameTooLarge), $"The request encodes to {tooLarge} bytes, above the server's MaxFrameBytes ({MaxFrameBytes}); it was not sent."));
        }

        return pending.Task;
    }

    /// <summary>Sends a frame that has no reply; false when the connection is closed.</summary>
    public bool TrySend<TState>(Opcode opcode, TState state, Action<FrameBuilder, TState> write)
    {
        try
        {
            using var frame = _outbox.Begin(opcode, 0);
            write(frame.Builder, state);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Completes at once unless too much is waiting to be sent (the server is not keeping up).</summary>
    public ValueTask WaitForSpaceAsync(CancellationToken cancellationToken) => _outbox.WaitForSpaceAsync(cancellationToken);

    /// <summary>Sends what is queued, then closes; its subscriptions end (readers see the end, not an error).</summary>
    public async ValueTask DisposeAsync()
    {
        _outbox.Close();
        await Quietly(_writer.WaitAsync(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        Fail(new BrokerClosedException("omnibus connection"));
        await Quietly(_reader).ConfigureAwait(false);
        _outbox.Dispose();
    }

    private void Start()
    {
        _writer = RunWriterAsync();
        _reader = Task.Run(ReadLoopAsync);
    }

    private Task RunWriterAsync() => Observe(_outbox.RunAsync((data, ct) => _stream.WriteAsync(data, ct), TimeSpan.FromSeconds(60), _stop.Token));

    private async Task Observe(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task PingLoopAsync()
    {
        while (IsOpen)
        {
            var interval = PingInterval;
            try
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastReceived));
            if (silent > 3 * interval + TimeSpan.FromSeconds(5))
            {
                Fail(new IOException($"The server sent nothing for {silent.TotalSeconds:0.#} s, not even a PONG."));
                return;
            }

            TrySend<object?>(Opcode.Ping, null, static (_, _) => { });
        }
    }

    /// <summary>Closes for good: pending requests fail with <paramref name="reason"/>, subscriptions end, the socket closes.</summary>
    private void Fail(Exception reason)
    {
        List<PendingRequest> pending;
        lock (_pending)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        _outbox.Close();
        _stop.Cancel();
        foreach (var request in pending)
        {
            request.TrySetException(reason);
        }

        _tcp.Dispose();
        _stream.Dispose();
        if (Volatile.Read(ref _established) && reason is not BrokerClosedException)
        {
            Log.ConnectionLost(_logger, _settings.ToString(), reason.Message);
        }

        EndSubscriptions(reason);
    }

    private PendingRequest? Take(uint id)
    {
        lock (_pending)
        {
            return _pending.Remove(id, out var pending) ? pending : null;
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException or SocketException or OmnibusException)
        {
            // Closing anyway.
        }
    }
}
