using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Omnibus.Middleware;

namespace Omnibus.Server.Http;

/// <summary>Publishing, peeking and dead-letter replay.</summary>
internal sealed partial class HttpApi
{
    /// <summary>Request headers with this prefix become message headers (the rest of the name, as sent, is the header name).</summary>
    public const string HeaderPrefix = "X-Omnibus-Header-";

    /// <summary>The request header that carries the message key (the <c>?key=</c> query does too).</summary>
    public const string KeyHeader = "X-Omnibus-Key";

    /// <summary>The most dead letters one replay without <c>?max=</c> moves when the driver cannot tell how many wait.</summary>
    public const int DefaultReplayMax = 1000;

    /// <summary>The most messages one peek returns.</summary>
    public const int MaxPeek = 1000;

    private async Task<IResult> PublishAsync(HttpContext context, string topic)
    {
        if ((Problems.InvalidTopic(topic) ?? _access.RequirePublish(context, topic)) is { } refused)
        {
            return refused;
        }

        var request = context.Request;
        LimitBody(context);
        if (!TryParseDuration(request.Query, "delay", out var delay, out var problem) || !TryParseDuration(request.Query, "ttl", out var ttl, out problem))
        {
            return problem!;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);

        var key = request.Query["key"].ToString() is { Length: > 0 } queried ? queried : request.Headers[KeyHeader].ToString();
        var message = new Message(buffer.ToArray())
        {
            Key = key.Length > 0 ? key : null,
            ContentType = request.ContentType,
            DeliverAfter = delay,
            TimeToLive = ttl,
        };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Length > HeaderPrefix.Length && name.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers[name[HeaderPrefix.Length..]] = value.ToString();
            }
        }

        try
        {
            await _broker.PublishAsync(topic, message, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PublishException e)
        {
            HttpLog.PublishFailed(_logger, e, topic);
            throw;
        }

        return Results.Json(new PublishedMessage(message.Id, topic), HttpJson.Default.PublishedMessage, statusCode: StatusCodes.Status202Accepted);
    }

    private async Task<IResult> PeekAsync(HttpContext context, string topic)
    {
        if ((Problems.InvalidTopic(topic) ?? _access.RequireSubscribe(context, topic)) is { } refused)
        {
            return refused;
        }

        if (_admin is null)
        {
            return Problems.NoAdmin(_broker.Scheme);
        }

        if (!TryParseCount(context.Request.Query, "max", 20, MaxPeek, out var max, out var problem))
        {
            return problem!;
        }

        var messages = await _admin.PeekAsync(topic, max, context.RequestAborted).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<MessageView>>([.. messages.Select(View)], HttpJson.Default.IReadOnlyListMessageView);
    }

    private async Task<IResult> ReplayAsync(HttpContext context, string topic)
    {
        var deadLetterTopic = topic + ".dlq";
        if ((Problems.InvalidTopic(topic) ?? _access.RequirePublish(context, topic) ?? _access.RequireSubscribe(context, deadLetterTopic)) is { } refused)
        {
            return refused;
        }

        if (!TryParseCount(context.Request.Query, "max", int.MaxValue, int.MaxValue, out var max, out var problem))
        {
            return problem!;
        }

        // The replay itself moves only what waits now where the driver can say; elsewhere one request moves at most DefaultReplayMax.
        var limit = _admin is null ? Math.Min(max, DefaultReplayMax) : max;
        var replayed = await DeadLetter.ReplayAsync(_broker, topic, new DeadLetterReplayOptions { Max = limit }, context.RequestAborted).ConfigureAwait(false);
        HttpLog.Replayed(_logger, replayed, deadLetterTopic, topic);
        return Results.Json(new ReplayResult(topic, deadLetterTopic, replayed), HttpJson.Default.ReplayResult);
    }

    private static MessageView View(Message message)
    {
        var text = IsText(message.Body.Span);
        return new MessageView(
            message.Id,
            message.Key,
            message.Timestamp,
            message.ContentType,
            message.HasHeaders ? new SortedDictionary<string, string>(message.Headers, StringComparer.Ordinal) : new Dictionary<string, string>(),
            text ? message.GetString() : Convert.ToBase64String(message.Body.Span),
            text ? "text" : "base64",
            message.Body.Length);
    }

    /// <summary>Valid UTF-8 without control characters other than tab and line breaks: what reads as text.</summary>
    private static bool IsText(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return false;
        }

        foreach (var b in body)
        {
            if (b is < 0x20 and not ((byte)'\t' or (byte)'\n' or (byte)'\r') or 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A duration given in milliseconds (<c>1500</c>) or as a time span (<c>00:00:01.5</c>); absent is null.</summary>
    private static bool TryParseDuration(IQueryCollection query, string name, out TimeSpan? value, out IResult? problem)
    {
        value = null;
        problem = null;
        if (query[name] is not { Count: > 0 } raw || raw.ToString() is not { Length: > 0 } text)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= (long)TimeSpan.MaxValue.TotalMilliseconds)
        {
            value = TimeSpan.FromMilliseconds(ms);
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            value = span;
        }
        else
        {
            problem = Problems.BadRequest($"Query parameter '{name}' is '{text}'; allowed: milliseconds (e.g. 1500) or a time span (e.g. 00:00:01.5), not negative.");
            return false;
        }

        return true;
    }

    /// <summary>A count from 1 to <paramref name="max"/>; absent is <paramref name="absent"/>.</summary>
    private static bool TryParseCount(IQueryCollection query, string name, int absent, int max, out int value, out IResult? problem)
    {
        value = absent;
        problem = null;
        StringValues raw = query[name];
        if (raw.Count == 0)
        {
            return true;
        }

        if (int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max)
        {
            return true;
        }

        problem = Problems.BadRequest($"Query parameter '{name}' is '{raw}'; allowed: a whole number from 1 to {max}.");
        return false;
    }
}
