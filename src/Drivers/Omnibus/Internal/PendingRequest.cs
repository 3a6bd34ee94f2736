namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>
/// A request awaiting its reply, matched by request id, completed with the parsed reply (null for OK, else what
/// <see cref="Expected"/> carries) or with the error the server sent. The read loop never completes one itself: it
/// hands the replies of each read to one thread-pool work item (<see cref="ReplyBatch"/>), where the callers'
/// continuations run, so a thousand pipelined publishes cost one hop instead of a thousand.
/// </summary>
internal sealed class PendingRequest : TaskCompletionSource<object?>
{
    public PendingRequest(Protocol.Opcode expected, string? topic = null)
        : base(TaskCreationOptions.None)
    {
        Expected = expected;
        Topic = topic;
    }

    /// <summary>The reply opcode that means success.</summary>
    public Protocol.Opcode Expected { get; }

    /// <summary>The topic of a peek, to set on the messages it returns.</summary>
    public string? Topic { get; }
}
