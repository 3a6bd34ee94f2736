using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Omnibus.Triggers;
using Xunit;
using ExecutionContext = Microsoft.Azure.WebJobs.ExecutionContext;

namespace Omnibus.Bindings.Tests;

public sealed class SlowFunctions(Probe probe)
{
    [FunctionName("Slow")]
    public async Task Slow([BrokerTrigger("slow")] string body)
    {
        probe["Slow.started"].Add(body);
        await ((TaskCompletionSource)probe.State["gate"]).Task; // ignores cancellation: a function that finishes its work
        probe["Slow.done"].Add(body);
    }
}

public sealed class DownAtStartFunctions(Probe probe)
{
    [FunctionName("Down")]
    public void Down([BrokerTrigger("down", Connection = "Flaky")] string body) => probe["Down"].Add(body);
}

public sealed class RetryFunctions(Probe probe)
{
    [FunctionName("Fixed")]
    [FixedDelayRetry(2, "00:00:00.010")]
    public void Fixed([BrokerTrigger("fixed")] Message message, ExecutionContext context)
    {
        probe.Get<(int, int)>("Fixed").Add((message.DeliveryAttempt, context.RetryContext?.RetryCount ?? 0));
        if ((context.RetryContext?.RetryCount ?? 0) < 2)
        {
            throw new InvalidOperationException("fails twice in process");
        }
    }

    [FunctionName("Exponential")]
    [ExponentialBackoffRetry(1, "00:00:00.010", "00:00:00.050")]
    public void Exponential([BrokerTrigger("exponential", MaxDeliveryAttempts = 2)] Message message, ExecutionContext context)
    {
        probe.Get<(int, int)>("Exponential").Add((message.DeliveryAttempt, context.RetryContext?.RetryCount ?? 0));
        if (message.DeliveryAttempt == 1)
        {
            throw new InvalidOperationException("fails in every in-process retry of the first delivery");
        }
    }
}

public sealed class InvalidTopicFunctions
{
    [FunctionName("BadTopic")]
    public void BadTopic([BrokerTrigger("no spaces allowed")] string body)
    {
    }
}

public sealed class LifecycleTests
{
    [Fact]
    public async Task Stop_InFlightInvocation_DrainsAndAcknowledges()
    {
        var host = await TestHost.StartAsync([typeof(SlowFunctions)]);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Probe.State["gate"] = gate;
        await host.PublishAsync("slow", "s1");
        await host.Probe["Slow.started"].WaitForCountAsync(1, TestHost.Timeout);

        var stopping = host.Host.StopAsync();
        Assert.False(stopping.IsCompleted, "stop waits for the in-flight invocation");
        gate.SetResult();
        await stopping.WaitAsync(TestHost.Timeout);

        Assert.Equal(["s1"], host.Probe["Slow.done"].Items);
        Assert.Equal(0, await host.BacklogAsync("slow", "Slow"));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Start_BrokerDown_HostStartsAndListenerRecovers()
    {
        var control = new FlakyControl { OpenFailures = 3 };
        var name = "down-" + Guid.NewGuid().ToString("N");
        await using var host = await TestHost.StartAsync(
            [typeof(DownAtStartFunctions)],
            new Dictionary<string, string?> { ["Flaky"] = "flaky://" + name, ["AzureWebJobs:extensions:broker:backoffInitial"] = "00:00:00.020", ["AzureWebJobs:extensions:broker:backoffMax"] = "00:00:00.100" },
            o => o.Registry = FlakyDriverFactory.Registry(control));
        await using var client = Broker.Connect("memory://" + name);
        await client.PublishAsync("down", Message.FromString("after recovery"));

        await host.Probe["Down"].WaitForCountAsync(1, TestHost.Timeout);
        // "Subscribed after N attempts" is logged once the subscription is open, which may be after its first delivery.
        await host.Logs.Events.WaitUntilAsync(items => items.Any(e => e.Id.Id == 2003), TestHost.Timeout, "event 2003 (subscribed after retries)");
        Assert.Equal(4, control.OpenAttempts);
        var failures = host.Logs.Events.Items.Where(e => e.Id.Id == 2002).ToArray();
        Assert.Equal(3, failures.Length);
        Assert.All(failures, f => Assert.IsType<ConnectionLostException>(f.Error));
        Assert.Contains(host.Logs.Events.Items, e => e.Id.Id == 2003);
    }

    [Fact]
    public async Task Retry_FixedDelayRetry_RunsInsideOneDelivery()
    {
        await using var host = await TestHost.StartAsync([typeof(RetryFunctions)]);
        await host.PublishAsync("fixed", "f");
        var seen = host.Probe.Get<(int Attempt, int Retry)>("Fixed");
        await seen.WaitForCountAsync(3, TestHost.Timeout);
        await Wait.UntilAsync(async () => await host.BacklogAsync("fixed", "Fixed") == 0, TestHost.Timeout, "the message to be acknowledged");
        Assert.Equal([(1, 0), (1, 1), (1, 2)], seen.Items);
    }

    [Fact]
    public async Task Retry_ExponentialBackoffRetryExhausted_MessageRedelivered()
    {
        await using var host = await TestHost.StartAsync([typeof(RetryFunctions)]);
        await host.PublishAsync("exponential", "e");
        var seen = host.Probe.Get<(int Attempt, int Retry)>("Exponential");
        await seen.WaitForCountAsync(3, TestHost.Timeout);
        await Wait.UntilAsync(async () => await host.BacklogAsync("exponential", "Exponential") == 0, TestHost.Timeout, "the message to be acknowledged");
        Assert.Equal([(1, 0), (1, 1), (2, 0)], seen.Items);
    }

    [Fact]
    public async Task Start_ExtensionNotRegistered_FailsNamingTheFunctions()
    {
        await using var host = await TestHost.StartAsync([typeof(ParameterFunctions)], addOmnibus: false, start: false);
        var error = Assert.Throws<OmnibusConfigurationException>(() => host.Host.Services.ThrowIfOmnibusMissing());
        Assert.Contains("Text", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddOmnibus", error.Message, StringComparison.Ordinal);

        // What the check guards against: the SDK itself starts and simply leaves the functions out.
        await host.Host.StartAsync();
        Assert.Contains(host.Logs.Events.Items, e => e.Text.Contains("No job functions found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ExtensionRegistered_CheckPasses()
    {
        await using var host = await TestHost.StartAsync([typeof(ParameterFunctions)], start: false);
        host.Host.Services.ThrowIfOmnibusMissing();
    }

    [Theory]
    [InlineData("maxConcurrency", "0", "extensions.broker.maxConcurrency = '0' is invalid: allowed is from 1 to 10000")]
    [InlineData("maxDeliveryAttempts", "5000", "extensions.broker.maxDeliveryAttempts = '5000' is invalid")]
    [InlineData("deadLetterTopic", "bad topic", "extensions.broker.deadLetterTopic = 'bad topic' is invalid")]
    [InlineData("defaultConnection", "nosuch://x", "No driver is registered for scheme 'nosuch'")]
    [InlineData("maxConcurency", "8", "extensions.broker.maxConcurency is not an option")]
    public async Task Start_InvalidHostJsonOption_FailsNamingIt(string key, string value, string expected)
    {
        await using var host = await TestHost.StartAsync([typeof(ParameterFunctions)], new Dictionary<string, string?> { ["AzureWebJobs:extensions:broker:" + key] = value }, start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("borker")]
    [InlineData("Brokers")]
    public async Task Start_MisspeltHostJsonSection_FailsNamingTheSectionMeant(string section)
    {
        await using var host = await TestHost.StartAsync([typeof(ParameterFunctions)], new Dictionary<string, string?> { [$"AzureWebJobs:extensions:{section}:maxConcurrency"] = "8" }, start: false);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());

        Assert.Contains($"extensions.{section} is not a section the Omnibus extension reads: did you mean extensions.broker?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Options_LoggedWithPasswordHidden()
    {
        var control = new FlakyControl();
        var name = "secret-" + Guid.NewGuid().ToString("N");
        await using var host = await TestHost.StartAsync(
            [typeof(DownAtStartFunctions)],
            new Dictionary<string, string?> { ["Flaky"] = $"flaky://app:hunter2@{name}", ["AzureWebJobs:extensions:broker:defaultConnection"] = $"flaky://app:hunter2@{name}" },
            o => o.Registry = FlakyDriverFactory.Registry(control));
        await Wait.UntilAsync(() => Task.FromResult(host.Logs.Events.Items.Any(e => e.Text.StartsWith("BrokerOptions", StringComparison.Ordinal))), TestHost.Timeout, "the options to be logged");

        var formatted = host.Logs.Events.Items.First(e => e.Text.StartsWith("BrokerOptions", StringComparison.Ordinal));
        Assert.Contains($"flaky://app:***@{name}", formatted.Text, StringComparison.Ordinal);
        var started = Assert.Single(host.Logs.Events.Items, e => e.Id.Id == 2008);
        Assert.Contains($"flaky://app:***@{name}", started.Text, StringComparison.Ordinal);
        Assert.Contains(host.Logs.Events.Items, e => e.Id.Id == 2001 && e.Text.Contains($"flaky://app:***@{name}", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Events.Items, e => e.Text.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_InvalidTriggerAttribute_FailsNamingFunctionAndProperty()
    {
        await using var host = await TestHost.StartAsync([typeof(InvalidTopicFunctions)], start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        Assert.Contains("function 'BadTopic'", error.InnerException?.Message ?? error.Message, StringComparison.Ordinal);
        Assert.Contains("Topic = 'no spaces allowed' is invalid", error.InnerException?.Message ?? error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_MonitorAndTargetScaler_ReportBacklog()
    {
        await using var host = await TestHost.StartAsync([typeof(SlowFunctions)], options: o => o.MaxConcurrency = 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Probe.State["gate"] = gate;
        var monitor = host.Host.Services.GetRequiredService<IScaleMonitorManager>().GetMonitors().OfType<IScaleMonitor<BrokerScaleMetrics>>().Single();
        var scaler = host.Host.Services.GetRequiredService<ITargetScalerManager>().GetTargetScalers().Single(s => s.TargetScalerDescriptor.FunctionId == monitor.Descriptor.FunctionId);
        await host.Broker.PublishBatchAsync("slow", Enumerable.Range(0, 5).Select(i => Message.FromString("s" + i)).ToArray());
        await host.Probe["Slow.started"].WaitForCountAsync(1, TestHost.Timeout);

        var metrics = await monitor.GetMetricsAsync();
        var target = await scaler.GetScaleResultAsync(new TargetScalerContext { InstanceConcurrency = 2 });
        var vote = monitor.GetScaleStatus(new ScaleStatusContext<BrokerScaleMetrics> { WorkerCount = 1, Metrics = [metrics] }).Vote;
        gate.SetResult();

        Assert.True(metrics.IsBacklogKnown);
        Assert.Equal(5, metrics.Backlog); // one in flight, four waiting
        Assert.Equal(3, target.TargetWorkerCount);
        Assert.Equal(ScaleVote.ScaleOut, vote);
    }
}
