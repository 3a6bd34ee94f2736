namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// A request awaiting its reply, matched by request id. The read loop completes it with the parsed reply (null for
/// OK, else what <see cref="Expected"/> carries) or with the error the server sent. Completes asynchronously so that
/// the caller's continuation never runs on the read loop.
/// </summary>
internal sealed class PendingRequest : TaskCompletionSource<object?>
{
    public PendingRequest(Protocol.Opcode expected, string? topic = null)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Expected = expected;
        Topic = topic;
    }

    /// <summary>The reply opcode that means success.</summary>
    public Protocol.Opcode Expected { get; }

    /// <summary>The topic of a peek, to set on the messages it returns.</summary>
    public string? Topic { get; }
}
