using Microsoft.Azure.Functions.Worker;
using Omnibus.Worker;

namespace Omnibus.Bench.IsolatedWorker;

/// <summary>Functions that do nothing: what is measured is the trip through the host, the gRPC hop and back.</summary>
public static class NoopFunctions
{
    [Function("Noop1")]
    public static void Noop1([BrokerTrigger("isolated1", Group = "bench", MaxConcurrency = 1)] string body)
    {
    }

    [Function("Noop16")]
    public static void Noop16([BrokerTrigger("isolated16", Group = "bench", MaxConcurrency = 16)] string body)
    {
    }
}
