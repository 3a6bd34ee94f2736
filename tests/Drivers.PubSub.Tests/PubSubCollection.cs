namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>The shared emulator: one for the tests that do not restart it.</summary>
[CollectionDefinition(Name)]
public sealed class PubSubCollection : ICollectionFixture<PubSubEmulator>
{
    public const string Name = "pubsub";
}
