using Omnibus.Conformance;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// The crash-loop scenario against a real RabbitMQ node. A message RabbitMQ redelivers (its consumer died holding it) is
/// sent back to the queue with the next attempt in its header before any handler sees it again. prefetch=1: only the
/// poison message is held when the process dies (a dying consumer's prefetched messages use an attempt too).
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqCrashLoopTests(RabbitMqServer server) : CrashLoopConformanceTests
{
    protected override string ConnectionString => server.ConnectionString + (server.ConnectionString.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "prefetch=1";

    public override Task InitializeAsync()
    {
        server.Require();
        return base.InitializeAsync();
    }
}
