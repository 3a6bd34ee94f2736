using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>The shared server: one nats-server for the tests that do not restart it.</summary>
[CollectionDefinition(Name)]
public sealed class NatsCollection : ICollectionFixture<NatsServer>
{
    public const string Name = "nats";
}
