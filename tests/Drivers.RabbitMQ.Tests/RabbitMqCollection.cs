using Omnibus.Conformance.Servers;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>The shared server: one node for the whole test assembly.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqServer>
{
    public const string Name = "rabbitmq";
}
