using System.Globalization;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// Retention as the options promise it, counted on the server: maxLen keeps that many entries, maxAge drops entries older
/// than it (an entry that redis-cli added with an id from 1970 stands for an old one), by single and batch publish.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRetentionTests(RedisServer server)
{
    [ConformanceFact]
    public Task MaxLenExact_KeepsThatManyEntries() => MaxLenAsync(batch: false);

    [ConformanceFact]
    public Task MaxLenExact_Batch_KeepsThatManyEntries() => MaxLenAsync(batch: true);

    [ConformanceFact]
    public Task MaxAgeExact_DropsOlderEntries_KeepsNewOnes() => MaxAgeAsync(batch: false);

    [ConformanceFact]
    public Task MaxAgeExact_Batch_DropsOlderEntries_KeepsNewOnes() => MaxAgeAsync(batch: true);

    private async Task MaxLenAsync(bool batch)
    {
        server.Require();
        var topic = "maxlen-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString("maxLen=10&trim=exact"));
        await PublishAsync(broker, topic, 25, batch);

        Assert.Equal(10, await LengthAsync(topic));
    }

    private async Task MaxAgeAsync(bool batch)
    {
        server.Require();
        var topic = "maxage-" + Guid.NewGuid().ToString("N")[..8];
        await server.Process.CliAsync("XADD", topic, "1-0", "body", "from 1970");
        await server.Process.CliAsync("XADD", topic, "2-0", "body", "from 1970 too");
        Assert.Equal(2, await LengthAsync(topic));
        await using var broker = Broker.Connect(server.ConnectionString("maxAge=60m&trim=exact"));
        await PublishAsync(broker, topic, 3, batch);

        Assert.Equal(3, await LengthAsync(topic));
        Assert.DoesNotContain("from 1970", await server.Process.CliAsync("XRANGE", topic, "-", "+"));
    }

    private static async Task PublishAsync(IBroker broker, string topic, int count, bool batch)
    {
        var messages = Enumerable.Range(0, count).Select(i => Message.FromString($"m{i}")).ToList();
        if (batch)
        {
            Assert.True((await broker.PublishBatchAsync(topic, messages)).AllSucceeded);
            return;
        }

        foreach (var message in messages)
        {
            await broker.PublishAsync(topic, message);
        }
    }

    private async Task<int> LengthAsync(string topic) =>
        int.Parse((await server.Process.CliAsync("XLEN", topic)).Trim(), CultureInfo.InvariantCulture);
}
