using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omnibus.Server.Http.Tests;

/// <summary>
/// One page of a headless Chromium driven over the DevTools protocol (a WebSocket on loopback), for tests that click:
/// evaluate script in the page, and answer its <c>confirm()</c> dialogs as a user would (accept or dismiss).
/// </summary>
internal sealed class ChromiumPage : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly ConcurrentQueue<string> _dialogs = new();
    private readonly Task _reading;
    private int _nextId;

    private ChromiumPage(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>Whether the next <c>confirm()</c> is accepted (OK) or dismissed (Cancel).</summary>
    public bool AcceptDialogs { get; set; }

    /// <summary>The messages of the dialogs the page opened, oldest first.</summary>
    public IReadOnlyList<string> Dialogs => [.. _dialogs];

    /// <summary>Starts Chromium on about:blank and attaches to its page.</summary>
    public static async Task<ChromiumPage> OpenAsync()
    {
        var profile = Path.Combine(Path.GetTempPath(), "omnibus-chromium", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(Chromium.Path ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium)."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
            "--no-first-run", "--window-size=1280,900", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Chromium writes the port it picked (and the browser's path) into the profile once it listens.
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            var port = await Poll(() => File.Exists(portFile) && File.ReadAllLines(portFile) is [var p, ..] && p.Length > 0 ? p : null, "DevToolsActivePort");
            using var http = new HttpClient { Timeout = Timeout };
            var pageUrl = await Poll(
                () => JsonNode.Parse(http.GetStringAsync($"http://127.0.0.1:{port}/json/list").GetAwaiter().GetResult())!.AsArray()
                    .FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>(),
                "a page target");
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(pageUrl), CancellationToken.None);
            var page = new ChromiumPage(process, profile, socket);
            await page.SendAsync("Page.enable");
            return page;
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Loads <paramref name="url"/> (following redirects).</summary>
    public Task NavigateAsync(Uri url) => SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result?["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"'{expression}' threw in the page: {exception.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    /// <summary>Evaluates <paramref name="expression"/> until it is true, failing after the timeout with <paramref name="what"/>.</summary>
    public async Task WaitUntilAsync(string expression, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!(await EvaluateAsync(expression) is JsonValue value && value.TryGetValue<bool>(out var yes) && yes))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The page did not show {what} within {Timeout}.");
            }

            await Task.Delay(50); // the page polls the API every second: check often, without spinning a core
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _socket.Dispose();
        await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
        _sending.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's helpers may still hold the profile; the OS temp cleaner removes it.
        }
    }

    private async Task<JsonNode?> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await WriteAsync(new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] });
        return await answer.Task.WaitAsync(Timeout);
    }

    private async Task WriteAsync(JsonObject command)
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Routes answers to their commands and answers dialogs, which block the script (and its evaluate) until answered.</summary>
    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (_socket.State == WebSocketState.Open)
        {
            var received = await _socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray())!;
            message.SetLength(0);
            if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var answer))
            {
                if (node["error"] is { } error)
                {
                    answer.TrySetException(new InvalidOperationException("DevTools: " + error.ToJsonString()));
                }
                else
                {
                    answer.TrySetResult(node["result"]);
                }
            }
            else if ((string?)node["method"] == "Page.javascriptDialogOpening")
            {
                _dialogs.Enqueue((string?)node["params"]?["message"] ?? string.Empty);
                _ = WriteAsync(new JsonObject
                {
                    ["id"] = Interlocked.Increment(ref _nextId),
                    ["method"] = "Page.handleJavaScriptDialog",
                    ["params"] = new JsonObject { ["accept"] = AcceptDialogs },
                });
            }
        }
    }

    private static async Task<string> Poll(Func<string?> read, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                if (read() is { } value)
                {
                    return value;
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or JsonException)
            {
                // Not ready yet: Chromium is still starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"chromium did not offer {what} within {Timeout}.");
            }

            await Task.Delay(50);
        }
    }
}
