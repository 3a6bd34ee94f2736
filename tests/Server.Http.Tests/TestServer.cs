using System.Net.Http.Headers;
using System.Text.Json;

namespace Omnibus.Server.Http.Tests;

/// <summary>
/// An <see cref="OmnibusServer"/> with its HTTP API on a free loopback port (TCP off), serving an embedded broker in a
/// fresh directory (or the broker given), and a client for it. Disposing stops the server, then the broker, then deletes the directory.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestServer(string directory, Broker broker, OmnibusServer server, HttpClient client)
    {
        Directory = directory;
        Broker = broker;
        Server = server;
        Client = client;
    }

    public string Directory { get; }

    public Broker Broker { get; }

    public OmnibusServer Server { get; }

    /// <summary>A client whose base address is the server's HTTP address.</summary>
    public HttpClient Client { get; }

    public Uri Address => Server.HttpAddress!;

    public static async Task<TestServer> StartAsync(Action<OmnibusServerOptions>? configure = null, string? connectionString = null, Func<HttpMessageHandler>? handler = null, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "omnibus-http-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var options = new OmnibusServerOptions { Tcp = null, Http = "127.0.0.1:0" };
        configure?.Invoke(options);
        // The broker logs to the same factory, as under 'omnibus server', so a test sees the engine's events too.
        var connection = connectionString ?? $"embedded://{Path.Combine(directory, "data")}";
        var broker = loggerFactory is null ? Broker.Connect(connection) : Broker.Connect(connection, new BrokerClientOptions { LoggerFactory = loggerFactory });
        var server = await OmnibusServer.StartAsync(broker, options, loggerFactory);
        var client = new HttpClient(handler?.Invoke() ?? new HttpClientHandler(), disposeHandler: true) { BaseAddress = server.HttpAddress, Timeout = Timeout };
        return new TestServer(directory, broker, server, client);
    }

    /// <summary>A new client for the server that sends <paramref name="token"/> as a bearer token (none when null).</summary>
    public HttpClient ClientWith(string? token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = Timeout };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Broker.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test; the OS temp cleaner removes it.
        }
    }
}

/// <summary>Reading answers.</summary>
internal static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path) =>
        await (await client.GetAsync(path)).JsonAsync(System.Net.HttpStatusCode.OK);

    /// <summary>Publishes <paramref name="body"/> as text and returns the new message's id.</summary>
    public static async Task<string> PublishAsync(this HttpClient client, string topic, string body, string? key = null)
    {
        var response = await client.PostAsync($"/v1/topics/{topic}/messages{(key is null ? "" : "?key=" + Uri.EscapeDataString(key))}", new StringContent(body));
        return (await response.JsonAsync(System.Net.HttpStatusCode.Accepted)).GetProperty("id").GetString()!;
    }

    /// <summary>Asks until <paramref name="condition"/> holds for the answer to GET <paramref name="path"/>; fails naming <paramref name="what"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(this HttpClient client, string path, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (true)
        {
            var answer = await client.GetJsonAsync(path);
            if (condition(answer))
            {
                return answer;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {TestServer.Timeout} waiting for {what}; last answer to {path}: {answer}");
            }

            await Task.Delay(50);
        }
    }

    public static JsonElement Find(this JsonElement array, string property, string value) =>
        array.EnumerateArray().Single(e => e.GetProperty(property).GetString() == value);

    public static JsonElement? TryFind(this JsonElement array, string property, string value) =>
        array.EnumerateArray().Where(e => e.GetProperty(property).GetString() == value).Select(e => (JsonElement?)e).SingleOrDefault();

    /// <summary>The publish rate of <paramref name="topic"/> in a topic list, or null when it is absent or has none yet.</summary>
    public static double? RateOf(this JsonElement topics, string topic) =>
        topics.TryFind("name", topic)?.GetProperty("rate") is { ValueKind: JsonValueKind.Number } rate ? rate.GetDouble() : null;

    public static JsonElement FindGroup(this JsonElement groups, string topic, string group) =>
        groups.EnumerateArray().Single(g => g.GetProperty("topic").GetString() == topic && g.GetProperty("group").GetString() == group);
}
