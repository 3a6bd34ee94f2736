using System.Net;
using System.Text.Json;
using Omnibus.Conformance;
using Omnibus.Embedded.Internal.Engine;

namespace Omnibus.Server.Http.Tests;

/// <summary><c>/health</c> tells a stopped broker from a working one.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_JournalFlusherFailed_Answers503WithTheCause_AndPublishesFail()
    {
        var logs = new CapturingLoggerFactory();
        await using var server = await TestServer.StartAsync(loggerFactory: logs);
        await server.Client.PublishAsync("orders", "before"); // opens the engine
        var engine = BrokerEngine.FindOpen(Path.Combine(server.Directory, "data"))!;

        // A real failure on the flusher's thread, of a kind (not I/O) that once ended the thread silently.
        engine.Flusher.BeforeFlush = () => throw new InvalidOperationException("injected flusher failure");
        engine.JournalDirty();

        var health = await WaitForHealthAsync(server.Client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("faulted", health.GetProperty("status").GetString());
        Assert.Equal("embedded", health.GetProperty("driver").GetString());
        Assert.Equal("injected flusher failure", health.GetProperty("error").GetString());

        var publish = await (await server.Client.PostAsync("/v1/topics/orders/messages", new StringContent("after"))).JsonAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("injected flusher failure", publish.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(logs.Messages, m => m.StartsWith("2207 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_BrokerWorks_Answers200OkWithNoError()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PublishAsync("orders", "x");

        var health = await server.Client.GetJsonAsync("/health");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("error").ValueKind);
    }

    /// <summary>Asks /health until it answers <paramref name="expected"/>, within the test timeout.</summary>
    private static async Task<JsonElement> WaitForHealthAsync(HttpClient client, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (true)
        {
            using var response = await client.GetAsync("/health");
            if (response.StatusCode == expected || DateTime.UtcNow > deadline)
            {
                return await response.JsonAsync(expected);
            }

            await Task.Delay(20);
        }
    }
}
