namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// Topics, groups and backlog from the management plugin's HTTP API, when the <c>management</c> option names it: the
/// whole vhost, with the counts of every process (unacknowledged ones included, which AMQP does not report).
/// </summary>
internal sealed partial class RabbitMqDriver
{
    private readonly ManagementApi? _management;

    /// <summary>The vhost's queues (and exchanges when <paramref name="withExchanges"/>) as the admin maps them.</summary>
    private async ValueTask<ManagementSnapshot> ReadManagementAsync(ManagementApi api, bool withExchanges, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var exchanges = withExchanges ? api.GetExchangesAsync(cancellationToken) : Task.FromResult<IReadOnlyList<ManagementExchange>>([]);
        var queues = api.GetQueuesAsync(cancellationToken);
        await Task.WhenAll(exchanges, queues).ConfigureAwait(false);

        var counted = new List<ManagementQueue>(queues.Result.Count);
        foreach (var queue in queues.Result)
        {
            // The plugin lists a queue before it has sampled it (up to collect_statistics_interval, 5 s by default, after
            // the queue was declared or the node started), with no counts: ask the queue itself rather than report 0.
            if (queue.Ready is null && ManagementSnapshot.Counts(queue.Name) && await QueueAsync(queue.Name, cancellationToken).ConfigureAwait(false) is { } declared)
            {
                counted.Add(queue with { Ready = declared.Ready, Consumers = (int)declared.Consumers });
            }
            else
            {
                counted.Add(queue);
            }
        }

        return new ManagementSnapshot(exchanges.Result, counted);
    }
}
