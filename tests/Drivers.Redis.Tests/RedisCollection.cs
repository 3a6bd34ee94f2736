using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>The shared server: one redis-server for the collection.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
