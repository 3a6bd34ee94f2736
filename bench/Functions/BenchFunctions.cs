using Microsoft.Azure.WebJobs;
using Omnibus.Triggers;

namespace Omnibus.Bench.Functions;

/// <summary>Counts the invocations of every measured function (which do nothing else), and wakes a waiting feeder every 250.</summary>
public static class Invocations
{
    private static long _count;
    private static TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static long Count => Interlocked.Read(ref _count);

    /// <summary>Completes at the next multiple of 250 invocations.</summary>
    public static Task Progress => Volatile.Read(ref _progress).Task;

    public static void Add()
    {
        if (Interlocked.Increment(ref _count) % 250 == 0)
        {
            Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}

public static class BrokerFunctions1
{
    [FunctionName("Broker1")]
    public static void Run([BrokerTrigger("bench1", MaxConcurrency = 1)] string body) => Invocations.Add();
}

public static class BrokerFunctions16
{
    [FunctionName("Broker16")]
    public static void Run([BrokerTrigger("bench16", MaxConcurrency = 16)] string body) => Invocations.Add();
}

public static class BareFunctions
{
    [FunctionName("Bare")]
    public static void Run([BareTrigger] string body) => Invocations.Add();
}
