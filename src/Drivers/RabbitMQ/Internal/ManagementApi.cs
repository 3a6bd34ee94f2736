using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>A topic exchange's name and what the plugin counted into it (<c>message_stats.publish_in</c>).</summary>
internal sealed record ManagementExchange(string Name, string Type, bool Internal, long? PublishIn);

/// <summary>A queue's counts; null where the plugin has not sampled the queue yet.</summary>
internal sealed record ManagementQueue(string Name, long? Ready, long? Unacknowledged, int? Consumers, long? Bytes)
{
    /// <summary>Ready plus unacknowledged: the messages the queue holds.</summary>
    public long Messages => (Ready ?? 0) + (Unacknowledged ?? 0);
}

/// <summary>
/// The exchanges and queues of one vhost, read from the RabbitMQ management plugin's HTTP API as the connection's user
/// (HTTP basic authentication in a header: the password is in no URL, message or log). Every failure is a
/// <see cref="RabbitMqManagementException"/> naming the URL, so a caller never mistakes an unreachable API for an
/// empty broker. Thread-safe: one <see cref="HttpClient"/>.
/// </summary>
internal sealed class ManagementApi : IDisposable
{
    /// <summary>How long one request may take; a management API slower than this is reported as not answering.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly string _vhost;
    private readonly string _user;

    public ManagementApi(Uri baseUrl, string vhost, string user, string password)
    {
        _baseUrl = baseUrl;
        _vhost = vhost;
        _user = user;
        // A pooled connection is renewed now and then, so a node behind a changed DNS name is found again.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Task<IReadOnlyList<ManagementExchange>> GetExchangesAsync(CancellationToken cancellationToken) =>
        ListAsync("exchanges", "name,type,internal,message_stats.publish_in", cancellationToken, e => new ManagementExchange(
            Text(e, "name"),
            Text(e, "type"),
            e.TryGetProperty("internal", out var isInternal) && isInternal.ValueKind == JsonValueKind.True,
            e.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object ? Number(stats, "publish_in") : null));

    public Task<IReadOnlyList<ManagementQueue>> GetQueuesAsync(CancellationToken cancellationToken) =>
        ListAsync("queues", "name,messages_ready,messages_unacknowledged,consumers,message_bytes", cancellationToken, q => new ManagementQueue(
            Text(q, "name"),
            Number(q, "messages_ready"),
            Number(q, "messages_unacknowledged"),
            Number(q, "consumers") is { } consumers ? (int)consumers : null,
            Number(q, "message_bytes")));

    public void Dispose() => _http.Dispose();

    /// <summary>GET <c>/api/&lt;resource&gt;/&lt;vhost&gt;</c>, only <paramref name="columns"/>, each entry through <paramref name="map"/>.</summary>
    private async Task<IReadOnlyList<T>> ListAsync<T>(string resource, string columns, CancellationToken cancellationToken, Func<JsonElement, T> map)
    {
        var (url, json) = await GetAsync(resource, columns, cancellationToken).ConfigureAwait(false);
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw NotTheApi(url, null);
            }

            try
            {
                return json.RootElement.EnumerateArray().Select(map).ToList();
            }
            catch (InvalidOperationException e)
            {
                // A field of another type than the API's (GetString on a number, etc.).
                throw NotTheApi(url, e);
            }
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() ?? string.Empty : string.Empty;

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    private static RabbitMqManagementException NotTheApi(Uri url, Exception? cause) =>
        new(url, null, $"The RabbitMQ management API at {url.AbsoluteUri} answered with something other than its JSON list: is the 'management' option the base URL of the management plugin?", cause);

    private async Task<(Uri Url, JsonDocument Json)> GetAsync(string resource, string columns, CancellationToken cancellationToken)
    {
        var url = new Uri(_baseUrl, $"api/{resource}/{Uri.EscapeDataString(_vhost)}");
        HttpResponseMessage response;
        try
        {
            // The whole answer is read here (ResponseContentRead), so the client's Timeout bounds the body too.
            response = await _http.GetAsync(new Uri(url.AbsoluteUri + "?columns=" + columns), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RabbitMqManagementException(url, null, $"The RabbitMQ management API at {url.AbsoluteUri} could not be reached: {e.Message}. Is the management plugin enabled on the node (rabbitmq-plugins enable rabbitmq_management), and is this its URL?", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RabbitMqManagementException(url, null, $"The RabbitMQ management API at {url.AbsoluteUri} did not answer within {Timeout.TotalSeconds:0} s.", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw Refused(url, response.StatusCode);
            }

            try
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    return (url, await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false));
                }
            }
            catch (JsonException e)
            {
                throw NotTheApi(url, e);
            }
        }
    }

    private RabbitMqManagementException Refused(Uri url, HttpStatusCode status)
    {
        var code = $"{(int)status} {status}";
        var why = status switch
        {
            HttpStatusCode.Unauthorized => $"refused user '{_user}' ({code}): the user or password is wrong, or the user has none of the tags 'monitoring', 'management' or 'administrator' that the API needs",
            HttpStatusCode.Forbidden => $"refused user '{_user}' access to virtual host '{_vhost}' ({code})",
            HttpStatusCode.NotFound => $"answered {code}: there is no virtual host '{_vhost}', or the URL lacks the API's path prefix (management.path_prefix)",
            _ => $"answered {code}",
        };
        return new RabbitMqManagementException(url, status, $"The RabbitMQ management API at {url.AbsoluteUri} {why}.");
    }
}
