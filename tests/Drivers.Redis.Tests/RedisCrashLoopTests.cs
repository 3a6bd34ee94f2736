using Omnibus.Conformance;
using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// The crash-loop scenario against a real redis-server. The attempt is the entry's delivery count in the group's
/// pending list, which Redis raises when another consumer claims it: a dead child's entry is claimed once idle for
/// claimIdle (1 s here). prefetch=1: a dying child holds only the poison entry (a dead child's other entries would be
/// charged an attempt too).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisCrashLoopTests(RedisServer server) : CrashLoopConformanceTests
{
    protected override string ConnectionString => server.ConnectionString("claimIdle=1s&claimInterval=100ms&prefetch=1");

    public override Task InitializeAsync()
    {
        server.Require();
        return base.InitializeAsync();
    }
}
