namespace Omnibus.Worker;

/// <summary>Where a consumer group that does not exist yet starts (the in-process <c>Omnibus.StartPosition</c>, member for member).</summary>
public enum StartPosition
{
    /// <summary>The oldest message the broker still holds.</summary>
    Earliest,

    /// <summary>Only messages published after the group was created.</summary>
    Latest,

    /// <summary>The driver's own start for a new group: Earliest, except on amqp:// (Latest).</summary>
    Default,
}

/// <summary>The ordering a trigger gets (the in-process <c>Omnibus.Triggers.OrderBy</c>, member for member).</summary>
public enum OrderBy
{
    /// <summary>Any message may run concurrently with any other.</summary>
    None,

    /// <summary>Messages with the same key run one at a time, in publish order, also across retries; not in batch mode.</summary>
    Key,
}
