namespace Omnibus.Drivers;

/// <summary>
/// Optional driver capability: how many messages a group has not yet consumed (lag). Used for scaling
/// decisions and dashboards. Implementations are thread-safe and cheap enough to call every few seconds.
/// </summary>
public interface IBacklogSource
{
    /// <summary>
    /// Messages of <paramref name="topic"/> that <paramref name="group"/> has not acknowledged (ready, delayed and
    /// in flight), or null when the broker cannot tell right now.
    /// </summary>
    ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken);
}
