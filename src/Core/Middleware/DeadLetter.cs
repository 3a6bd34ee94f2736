namespace Omnibus.Middleware;

/// <summary>
/// Builds the message that goes to a dead-letter topic: the original id, key, body, content type and headers,
/// plus headers recording why (<see cref="HeaderNames.ErrorType"/>, <see cref="HeaderNames.ErrorMessage"/>,
/// <see cref="HeaderNames.DeliveryAttempts"/>, <see cref="HeaderNames.OriginalTopic"/>, <see cref="HeaderNames.OriginalGroup"/>).
/// </summary>
public static class DeadLetter
{
    /// <summary>Error messages longer than this are cut, so that a huge exception text cannot exceed a broker's header limits.</summary>
    public const int MaxErrorMessageLength = 2000;

    /// <summary>The dead-letter copy of <paramref name="failed"/>.</summary>
    public static Message Create(Message failed, Exception error, string group, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(failed);
        ArgumentNullException.ThrowIfNull(error);
        var copy = failed.WithKey(failed.Key);
        var text = error.Message;
        copy.Headers[HeaderNames.ErrorType] = error.GetType().FullName ?? error.GetType().Name;
        copy.Headers[HeaderNames.ErrorMessage] = text.Length > MaxErrorMessageLength ? text[..MaxErrorMessageLength] : text;
        copy.Headers[HeaderNames.DeliveryAttempts] = failed.DeliveryAttempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        copy.Headers[HeaderNames.OriginalTopic] = failed.Topic;
        copy.Headers[HeaderNames.OriginalGroup] = group;
        copy.Headers[HeaderNames.DeadLetteredAt] = now.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return copy;
    }
}
