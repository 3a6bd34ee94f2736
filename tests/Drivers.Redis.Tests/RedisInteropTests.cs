using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// Another team's plain client is redis-cli here: what it adds with the documented fields (README, RedisStreamFields)
/// is consumed intact, an entry with fields of its own keeps them as headers, and an Omnibus message reads back with
/// XRANGE field by field.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisInteropTests(RedisServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task RedisCliXadd_DocumentedFields_ConsumedIntact()
    {
        server.Require();
        var topic = "interop-in-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString());
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; });

        var documented = (await server.Process.CliAsync("XADD", topic, "*", "body", "{\"order\":42}", "id", "order-42", "key", "customer-7",
            "content-type", "application/json", "timestamp", "1767225600000", "h:tenant", "acme", "h:traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).Trim();
        var plain = (await server.Process.CliAsync("XADD", topic, "*", "temperature", "21.5", "sensor", "s-9")).Trim();
        await seen.WaitForCountAsync(2, Timeout);

        var first = seen.Items.Single(m => m.Id == "order-42");
        Assert.Equal("{\"order\":42}", first.GetString());
        Assert.Equal(("customer-7", "application/json", topic, 1), (first.Key, first.ContentType, first.Topic, first.DeliveryAttempt));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1767225600000), first.Timestamp);
        Assert.Equal("acme", first.GetHeader("tenant"));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", first.GetHeader("traceparent"));
        Assert.Equal(2, first.Headers.Count);

        // Fields outside the layout: no body, named by its entry id, every field kept as a header, timestamped by its id.
        var second = seen.Items.Single(m => m.Id != "order-42");
        Assert.Equal($"{topic}/{plain}", second.Id);
        Assert.Equal(0, second.Body.Length);
        Assert.Equal(("21.5", "s-9"), (second.GetHeader("temperature"), second.GetHeader("sensor")));
        Assert.Equal(long.Parse(plain.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture), second.Timestamp.ToUnixTimeMilliseconds());
        Assert.NotEqual(documented, plain);
    }

    [ConformanceFact]
    public async Task OmnibusMessage_ReadWithRedisCliXrange_FieldByField()
    {
        server.Require();
        var topic = "interop-out-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString());
        var message = new Message("héllo wörld"u8.ToArray())
        {
            Id = "m-1",
            Key = "k-1",
            ContentType = "text/plain; charset=utf-8",
            TimeToLive = TimeSpan.FromMinutes(1),
            IdempotencyId = "order-42-created",
        };
        message.Headers["tenant"] = "acme";
        await broker.PublishAsync(topic, message);

        // redis-cli prints one value per line: the entry id, then field, value, field, value...
        var lines = (await server.Process.CliAsync("--no-raw", "XRANGE", topic, "-", "+")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var raw = (await server.Process.CliAsync("XRANGE", topic, "-", "+")).Split('\n');
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < raw.Length; i += 2)
        {
            fields[raw[i]] = raw[i + 1];
        }

        Assert.Equal("héllo wörld", fields["body"]);
        Assert.Equal("m-1", fields["id"]);
        Assert.Equal("k-1", fields["key"]);
        Assert.Equal("text/plain; charset=utf-8", fields["content-type"]);
        Assert.Equal("60000", fields["ttl"]);
        Assert.Equal("order-42-created", fields["idempotency-id"]);
        Assert.Equal("acme", fields["h:tenant"]);
        Assert.Equal(7, fields.Count);
        Assert.Contains(lines, l => l.Contains("\"h:tenant\"", StringComparison.Ordinal));

        // Back through Omnibus, the idempotency id arrives as a header for the consumer to dedupe on.
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; });
        await seen.WaitForCountAsync(1, Timeout);
        Assert.Equal("order-42-created", seen.Items[0].GetHeader(RedisStreamFields.IdempotencyHeader));
        Assert.Equal("héllo wörld", seen.Items[0].GetString());
    }

    [ConformanceFact]
    public async Task BinaryBody_AllByteValues_RoundTripIntact()
    {
        server.Require();
        var topic = "interop-binary-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString());
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 0, 255 }).ToArray();
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync(topic, new Message(body));
        await seen.WaitForCountAsync(1, Timeout);
        Assert.Equal(body, seen.Items[0].Body.ToArray());
    }
}
