using Microsoft.Azure.WebJobs.Host.Scale;

namespace Omnibus.Triggers;

/// <summary>One sample of a <see cref="BrokerTriggerAttribute"/> function's backlog, taken by its scale monitor.</summary>
public sealed class BrokerScaleMetrics : ScaleMetrics
{
    /// <summary>Messages of the topic the function's group has not acknowledged yet; 0 when <see cref="IsBacklogKnown"/> is false.</summary>
    public long Backlog { get; set; }

    /// <summary>
    /// Whether the driver reported the backlog. Drivers without the capability report nothing rather than a guess,
    /// and the monitor then votes neither way.
    /// </summary>
    public bool IsBacklogKnown { get; set; }
}
