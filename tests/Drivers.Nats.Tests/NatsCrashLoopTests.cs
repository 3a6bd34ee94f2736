using Omnibus.Conformance;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>
/// The crash-loop scenario against a real nats-server. The attempt is the consumer's delivery count, which the server
/// keeps: a message whose consumer died unacknowledged is redelivered after ackWait (2 s here) with the count raised.
/// maxAckPending=1 on the groups' consumers: only the poison message is out while a child dies holding it (a dead
/// child's other messages would be charged an attempt too), so the messages after it wait behind it.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class NatsCrashLoopTests(NatsServer server) : CrashLoopConformanceTests
{
    protected override string ConnectionString => server.ConnectionString + "&ackWait=2s&maxAckPending=1&prefetch=1";

    public override Task InitializeAsync()
    {
        server.Require();
        return base.InitializeAsync();
    }
}
