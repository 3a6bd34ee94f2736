using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Omnibus.Server.Http;

/// <summary>Batch publishing: a JSON array of entries, stored with one broker call, each with its own outcome.</summary>
internal sealed partial class HttpApi
{
    /// <summary>The most entries one batch may hold.</summary>
    public const int MaxBatch = 10_000;

    private async Task<IResult> PublishBatchAsync(HttpContext context, string topic)
    {
        if ((Problems.InvalidTopic(topic) ?? _access.RequirePublish(context, topic)) is { } refused)
        {
            return refused;
        }

        LimitBody(context);
        List<BatchEntry>? entries;
        try
        {
            entries = await JsonSerializer.DeserializeAsync(context.Request.Body, HttpJson.Default.ListBatchEntry, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest($"The batch is not valid JSON ({e.Message}); expected: an array of {{\"body\", \"bodyEncoding\": \"text\"|\"base64\", \"key\", \"contentType\", \"headers\", \"delayMs\"}}.");
        }

        if (entries is not { Count: > 0 and <= MaxBatch })
        {
            return Problems.BadRequest($"The batch has {entries?.Count ?? 0} entries; allowed: 1 to {MaxBatch}.");
        }

        var messages = new List<Message>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (ToMessage(entries[i]) is not { } message)
            {
                return Problems.BadRequest($"Batch entry {i} is invalid: 'bodyEncoding' must be 'text' or 'base64' (with a valid base64 body), and 'delayMs' not negative.");
            }

            messages.Add(message);
        }

        var result = await _broker.PublishBatchAsync(topic, messages, context.RequestAborted).ConfigureAwait(false);
        var failed = result.Failures().Select(f => new BatchFailure(f.Index, f.Error.Message)).ToList();
        foreach (var failure in result.Failures())
        {
            HttpLog.PublishFailed(_logger, failure.Error, topic);
        }

        return Results.Json(
            new BatchPublished(topic, [.. messages.Select(m => m.Id)], failed),
            HttpJson.Default.BatchPublished,
            statusCode: failed.Count == 0 ? StatusCodes.Status202Accepted : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Makes Kestrel refuse (413) a body larger than the server's frame limit while it is read, chunked or not.</summary>
    private void LimitBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxFrameBytes;
        }
    }

    private static Message? ToMessage(BatchEntry entry)
    {
        byte[] body;
        switch (entry.BodyEncoding)
        {
            case null or "text":
                body = System.Text.Encoding.UTF8.GetBytes(entry.Body ?? "");
                break;
            case "base64":
                body = new byte[((entry.Body?.Length ?? 0) * 3 / 4) + 3];
                if (!Convert.TryFromBase64String(entry.Body ?? "", body, out var length))
                {
                    return null;
                }

                body = body[..length];
                break;
            default:
                return null;
        }

        if (entry.DelayMs < 0)
        {
            return null;
        }

        var message = new Message(body)
        {
            Key = entry.Key,
            ContentType = entry.ContentType,
            DeliverAfter = entry.DelayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        };
        foreach (var (name, value) in entry.Headers ?? [])
        {
            message.Headers[name] = value;
        }

        return message;
    }
}
