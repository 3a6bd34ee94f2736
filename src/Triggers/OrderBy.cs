namespace Omnibus.Triggers;

/// <summary>The ordering a <see cref="BrokerTriggerAttribute"/> function gets.</summary>
public enum OrderBy
{
    /// <summary>Any message may run concurrently with any other.</summary>
    None,

    /// <summary>
    /// Messages with the same key run one at a time, in publish order, also across retries. Needs a driver that keeps
    /// per-key order; not available in batch mode.
    /// </summary>
    Key,
}
