namespace Omnibus.Protocol;

/// <summary>
/// The kind of a frame (docs/protocol.md). Requests go from client to server and have the high bit clear; replies and
/// pushes go from server to client and have it set.
/// </summary>
internal enum Opcode : byte
{
    /// <summary>First frame of a connection: version, token, client name.</summary>
    Hello = 0x01,

    /// <summary>Publish one message; answered by <see cref="Ok"/> or <see cref="Error"/>.</summary>
    Publish = 0x02,

    /// <summary>Publish several messages to one topic; answered by <see cref="BatchResult"/>.</summary>
    PublishBatch = 0x03,

    /// <summary>Open a subscription with an initial credit; answered by <see cref="Ok"/> once the group is joined.</summary>
    Subscribe = 0x04,

    /// <summary>Grant more credit to a subscription; no reply.</summary>
    Credit = 0x05,

    /// <summary>Acknowledge one or more deliveries; no reply.</summary>
    Ack = 0x06,

    /// <summary>Reject one delivery with a redelivery delay; no reply.</summary>
    Nack = 0x07,

    /// <summary>Close a subscription; answered by <see cref="Ok"/> once its unsettled deliveries are released.</summary>
    Unsubscribe = 0x08,

    /// <summary>Liveness check; answered by <see cref="Pong"/>.</summary>
    Ping = 0x09,

    /// <summary>List topics; answered by <see cref="TopicsResult"/>.</summary>
    Topics = 0x0A,

    /// <summary>List groups; answered by <see cref="GroupsResult"/>.</summary>
    Groups = 0x0B,

    /// <summary>Read stored messages without consuming; answered by <see cref="PeekResult"/>.</summary>
    Peek = 0x0C,

    /// <summary>A group's backlog; answered by <see cref="BacklogResult"/>.</summary>
    Backlog = 0x0D,

    /// <summary>
    /// From now on this connection reports <see cref="Started"/> for every delivery before its handler runs, and the
    /// server counts a delivery attempt then rather than when it sends the delivery. No reply. Only to a server whose
    /// HELLO_OK has <see cref="AdminCodec.ReportsStartsBit"/>.
    /// </summary>
    ReportStarts = 0x0E,

    /// <summary>The handlers of these delivery tags are about to run: their attempts count from here. No reply.</summary>
    Started = 0x0F,

    /// <summary>Success without data (publish acknowledged, subscribed, unsubscribed).</summary>
    Ok = 0x80,

    /// <summary>Handshake accepted: version, features, limits.</summary>
    HelloOk = 0x81,

    /// <summary>Per-entry outcome of a batch.</summary>
    BatchResult = 0x82,

    /// <summary>A message pushed to a subscription (consumes one credit).</summary>
    Deliver = 0x83,

    /// <summary>Reply to <see cref="Ping"/>.</summary>
    Pong = 0x84,

    /// <summary>Reply to <see cref="Topics"/>.</summary>
    TopicsResult = 0x85,

    /// <summary>Reply to <see cref="Groups"/>.</summary>
    GroupsResult = 0x86,

    /// <summary>Reply to <see cref="Peek"/>.</summary>
    PeekResult = 0x87,

    /// <summary>Reply to <see cref="Backlog"/>.</summary>
    BacklogResult = 0x88,

    /// <summary>The server ended a subscription on its own (the broker closed it).</summary>
    SubscriptionEnded = 0x89,

    /// <summary>A request failed, or (fatal) the connection is about to close.</summary>
    Error = 0xFF,
}

/// <summary>Opcode helpers.</summary>
internal static class Opcodes
{
    /// <summary>Whether a client may send <paramref name="opcode"/>.</summary>
    public static bool IsRequest(byte opcode) => opcode is >= (byte)Opcode.Hello and <= (byte)Opcode.Started;

    /// <summary>Whether a server may send <paramref name="opcode"/>.</summary>
    public static bool IsReply(byte opcode) => opcode is (>= (byte)Opcode.Ok and <= (byte)Opcode.SubscriptionEnded) or (byte)Opcode.Error;
}
