namespace Omnibus.Protocol;

/// <summary>The code of an <see cref="Opcode.Error"/> frame (docs/protocol.md lists them with their meaning).</summary>
internal enum ErrorCode : ushort
{
    /// <summary>A frame could not be parsed (truncated field, bad varint, invalid UTF-8, trailing bytes). Fatal.</summary>
    MalformedFrame = 1,

    /// <summary>The opcode is not one a client may send. Fatal.</summary>
    UnknownOpcode = 2,

    /// <summary>The frame length exceeds the server's MaxFrameBytes (or is below the header size). Fatal.</summary>
    FrameTooLarge = 3,

    /// <summary>The first frame was not HELLO, or HELLO came twice. Fatal.</summary>
    HandshakeRequired = 4,

    /// <summary>The protocol version is not supported. Fatal.</summary>
    UnsupportedVersion = 5,

    /// <summary>Authentication is on and the token is missing or unknown. Fatal.</summary>
    Unauthenticated = 6,

    /// <summary>The token may not publish to, or read, this topic.</summary>
    Forbidden = 7,

    /// <summary>The server serves MaxConnections already. Fatal.</summary>
    TooManyConnections = 8,

    /// <summary>The connection holds MaxSubscriptionsPerConnection already.</summary>
    TooManySubscriptions = 9,

    /// <summary>A subscription id is unknown or already in use.</summary>
    UnknownSubscription = 10,

    /// <summary>A request is well formed but invalid (bad topic name, option out of range).</summary>
    InvalidRequest = 11,

    /// <summary>The broker failed the operation (publish not stored, subscription not opened).</summary>
    BrokerFailure = 12,

    /// <summary>The served broker cannot answer (admin or backlog not supported by its driver).</summary>
    NotSupported = 13,

    /// <summary>Nothing was received for IdleTimeout. Fatal.</summary>
    IdleTimeout = 14,

    /// <summary>The client did not read what the server sent for IdleTimeout. Fatal.</summary>
    SlowConsumer = 15,

    /// <summary>The server is shutting down. Fatal.</summary>
    ShuttingDown = 16,
}
