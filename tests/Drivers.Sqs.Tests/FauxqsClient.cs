using Amazon.Runtime;
using Amazon.SQS;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>The plain AWSSDK.SQS client of these tests, as another team's service would use it.</summary>
internal static class FauxqsClient
{
    /// <summary>A plain AWSSDK.SQS client on the emulator (dummy keys: it checks no signature).</summary>
    public static AmazonSQSClient RawClient(this FauxqsServer server) =>
        new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = server.Endpoint, AuthenticationRegion = "us-east-1" });
}
