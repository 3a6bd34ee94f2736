namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>The shared emulator: one fauxqs for the tests that do not restart it.</summary>
[CollectionDefinition(Name)]
public sealed class SqsCollection : ICollectionFixture<FauxqsServer>
{
    public const string Name = "sqs";
}
