using Omnibus.Conformance;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>
/// The crash-loop scenario against fauxqs. The attempt is SQS's ApproximateReceiveCount, which the service keeps for the
/// message: a dead child's receive counts, and the message is received again once its visibility timeout (1 s here)
/// runs out. prefetch=1: a dying child holds only the poison message (every message it had received would be charged
/// an attempt). A topic is one queue with one group, so the dead-letter topic has the parent's group only.
/// </summary>
[Collection(SqsCollection.Name)]
public sealed class SqsCrashLoopTests(FauxqsServer server) : CrashLoopConformanceTests
{
    protected override string ConnectionString => server.ConnectionString + "&visibilityTimeout=1s&prefetch=1";

    protected override bool DeadLetterFanOut => false;

    public override Task InitializeAsync()
    {
        server.Require();
        return base.InitializeAsync();
    }
}
