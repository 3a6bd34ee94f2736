using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.FunctionsHost;

namespace Omnibus.Isolated.Tests;

/// <summary>The sample's functions through the local host and its real worker process, on embedded:// in a temp folder.</summary>
public sealed class IsolatedHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _data = Directory.CreateTempSubdirectory("omnibus-iso-").FullName;
    private IsolatedHost _host = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _host = await IsolatedHost.StartAsync(SampleWorker.App, NullLoggerFactory.Instance, $"embedded://{_data}", timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task ValidOrder_IsShipped_AsABatchEntry_WithKeyAndHeaders()
    {
        var shipped = await Collect("shipped", "test-shipped");

        await Publish("orders", """{"orderId":"o-1","customerId":"c-1","amount":5,"items":["a","b"]}""", key: "o-1");

        var message = await Single(shipped, m => m.Key == "o-1");
        Assert.Equal("shipped o-1", message.GetString());
        Assert.Equal("c-1", message.GetHeader("customer"));
        Assert.Equal("1", message.GetHeader("batch-size"));
        Assert.Equal(["DeadLetters", "ShipBatch", "ValidateOrder"], _host.Functions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task InvalidOrder_IsRetriedWithGrowingAttempts_ThenDeadLetteredWithTheError_AndPublishesNothing()
    {
        var dead = await Collect("orders.dlq", "test-dlq");
        var shipments = await Collect("shipments", "test-shipments");

        await Publish("orders", """{"orderId":"bad-1","customerId":"c-9","amount":0,"items":[]}""", key: "bad-1");

        var copy = await Single(dead, m => m.Key == "bad-1");
        Assert.Equal("3", copy.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal("orders", copy.GetHeader(HeaderNames.OriginalTopic));
        Assert.Contains("needs a positive amount", copy.GetHeader(HeaderNames.ErrorMessage), StringComparison.Ordinal);
        Assert.Equal(nameof(FunctionFailedException), copy.GetHeader(HeaderNames.ErrorType)?.Split('.').Last());
        Assert.DoesNotContain(shipments, m => m.GetString().Contains("bad-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NonJsonBody_IsDeadLettered()
    {
        var dead = await Collect("orders.dlq", "test-dlq-json");

        await Publish("orders", "this is not json", key: "nj-1");

        var copy = await Single(dead, m => m.Key == "nj-1");
        Assert.Equal("this is not json", copy.GetString());
    }

    [Fact]
    public async Task KillingTheWorker_FailsTheHostWithAClearError_AndLosesNoAcknowledgedMessage()
    {
        var shipped = await Collect("shipped", "test-kill");
        await Publish("orders", """{"orderId":"k-1","customerId":"c-1","amount":5,"items":["a"]}""", key: "k-1");
        await Single(shipped, m => m.Key == "k-1");

        _host.KillWorker();

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => _host.Completion.WaitAsync(Deadline));
        Assert.Contains("ended", error.Message, StringComparison.Ordinal);
        await Publish("orders", """{"orderId":"k-2","customerId":"c-1","amount":5,"items":["a"]}""", key: "k-2");
        await _host.DisposeAsync();

        // A new host on the same data: k-2 was never acknowledged, so it is delivered now; k-1 is not shipped again.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _host = await IsolatedHost.StartAsync(SampleWorker.App, NullLoggerFactory.Instance, $"embedded://{_data}", timeout.Token);
        var again = await Collect("shipped", "test-kill-2", StartPosition.Latest);
        await Single(again, m => m.Key == "k-2");
        Assert.DoesNotContain(again, m => m.Key == "k-1");
    }

    private async Task Publish(string topic, string body, string key) =>
        await _host.Broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes(body)) { Key = key });

    private async Task<ConcurrentQueue<Message>> Collect(string topic, string group, StartPosition start = StartPosition.Earliest)
    {
        var seen = new ConcurrentQueue<Message>();
        await _host.Broker.SubscribeAsync(new SubscriptionOptions(topic, group) { StartFrom = start }, (m, _) => { seen.Enqueue(m); return ValueTask.CompletedTask; });
        return seen;
    }

    private static async Task<Message> Single(ConcurrentQueue<Message> seen, Func<Message, bool> match)
    {
        var until = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < until)
        {
            if (seen.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No matching message within {Deadline.TotalSeconds} s; seen: {string.Join(", ", seen.Select(m => m.Key))}");
    }
}
