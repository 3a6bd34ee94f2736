using Omnibus.Protocol;

namespace Omnibus.Drivers.Omnibus.Internal;

/// <summary>Admin and backlog requests over the wire; the server applies the token's read permissions.</summary>
internal sealed partial class OmnibusDriver
{
    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        try
        {
            return (long?)await RequestAsync(Opcode.Backlog, new PendingRequest(Opcode.BacklogResult), (topic, group), static (b, s) =>
            {
                b.WriteString(s.topic);
                b.WriteString(s.group);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OmnibusServerException e) when (e.Code == nameof(ErrorCode.NotSupported))
        {
            return null; // the served broker cannot tell
        }
    }

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken) =>
        (IReadOnlyList<TopicInfo>)(await RequestAsync<object?>(Opcode.Topics, new PendingRequest(Opcode.TopicsResult), null, static (_, _) => { }, cancellationToken).ConfigureAwait(false))!;

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken) =>
        (IReadOnlyList<GroupInfo>)(await RequestAsync(Opcode.Groups, new PendingRequest(Opcode.GroupsResult), topic, static (b, t) => b.WriteNullableString(t), cancellationToken).ConfigureAwait(false))!;

    public async ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) =>
        (IReadOnlyList<Message>)(await RequestAsync(Opcode.Peek, new PendingRequest(Opcode.PeekResult, topic), (topic, max), static (b, s) =>
        {
            b.WriteString(s.topic);
            b.WriteVarint((ulong)Math.Clamp(s.max, 0, 10_000));
        }, cancellationToken).ConfigureAwait(false))!;

    private async Task<object?> RequestAsync<TState>(Opcode opcode, PendingRequest pending, TState state, Action<FrameBuilder, TState> write, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Request(opcode, pending, state, write).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
