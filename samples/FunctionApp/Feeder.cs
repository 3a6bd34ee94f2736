using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Omnibus.Samples.FunctionApp;

/// <summary>Puts orders on the <c>orders</c> topic: demo orders, and whatever lines arrive on standard input.</summary>
public sealed partial class Feeder(IBroker broker, ILogger logger)
{
    /// <summary>Publishes <paramref name="count"/> orders, every fourth one invalid (no items) to show the dead-letter path.</summary>
    public async Task PublishDemoOrdersAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            var order = new Order($"demo-{i}", $"customer-{i % 3}", 10m * i, i % 4 == 0 ? [] : [$"item-{i}"]);
            await broker.PublishAsync("orders", Message.From(order, key: order.CustomerId), cancellationToken);
            Published(logger, order.OrderId);
        }
    }

    /// <summary>
    /// Publishes each line of standard input as one order body, as typed: JSON is an order, anything else is a poison
    /// message. Returns when standard input ends (at once when it is closed or redirected from /dev/null).
    /// </summary>
    public async Task PublishStandardInputAsync(CancellationToken cancellationToken)
    {
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var key = TryCustomer(line);
            await broker.PublishAsync("orders", new Message(System.Text.Encoding.UTF8.GetBytes(line.Trim())) { Key = key, ContentType = "application/json" }, cancellationToken);
            Published(logger, line.Trim());
        }
    }

    /// <summary>Waits until every function's group has acknowledged everything (checked a few times in a row).</summary>
    public async Task WaitUntilIdleAsync(IEnumerable<(string Topic, string Group)> subscriptions, CancellationToken cancellationToken)
    {
        var source = broker.Backlog ?? throw new InvalidOperationException($"--exit-when-idle needs a driver that reports its backlog, such as memory://; {broker.Scheme}:// does not.");
        var quiet = 0;
        while (quiet < 5)
        {
            await Task.Delay(200, cancellationToken);
            long total = 0;
            foreach (var (topic, group) in subscriptions)
            {
                total += await source.GetBacklogAsync(topic, group, cancellationToken) ?? 0;
            }

            quiet = total == 0 ? quiet + 1 : 0;
        }
    }

    private static string? TryCustomer(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<Order>(line, Codecs.BodyCodec.DefaultJsonOptions)?.CustomerId;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Published to orders: {Order}")]
    private static partial void Published(ILogger logger, string order);
}
