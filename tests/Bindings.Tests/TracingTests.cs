using System.Diagnostics;
using Microsoft.Azure.WebJobs;
using Omnibus.Diagnostics;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class TracingFunctions(Probe probe)
{
    [FunctionName("Traced")]
    public void Traced([BrokerTrigger("traced")] string body, [Broker("traced-out")] out string output)
    {
        probe["Traced"].Add(Activity.Current?.TraceId.ToString() ?? "none");
        output = "out:" + body;
    }
}

public sealed class TracingTests
{
    [Fact]
    public async Task Trace_Invocation_ContinuesMessageTraceIntoOutputs()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OmnibusTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await TestHost.StartAsync([typeof(TracingFunctions)]);
        var outputs = await host.WatchAsync("traced-out");

        var sent = Message.FromString("t1");
        await host.PublishAsync("traced", sent); // the publish span writes traceparent into the message
        var traceParent = sent.GetHeader(HeaderNames.TraceParent);
        Assert.NotNull(traceParent);
        var traceId = ActivityContext.Parse(traceParent, null).TraceId.ToString();

        await outputs.WaitForCountAsync(1, TestHost.Timeout);
        Assert.Equal(traceId, Assert.Single(host.Probe["Traced"].Items));
        var output = outputs.Items[0];
        Assert.Equal(traceId, ActivityContext.Parse(output.GetHeader(HeaderNames.TraceParent)!, null).TraceId.ToString());
        Assert.NotEqual(traceParent, output.GetHeader(HeaderNames.TraceParent)); // a new span of the same trace
    }
}
