using Microsoft.Extensions.Logging;

namespace Omnibus.Server.Http;

/// <summary>Every log event of the HTTP API, with its id, in one place. Ids 3100-3199 of the server range (docs/log-events.md). Tokens are never logged.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(3101, LogLevel.Information, "HTTP API mapped: driver {Driver}, admin {Admin}, authentication {Authentication}")]
    public static partial void Mapped(ILogger logger, string driver, bool admin, bool authentication);

    [LoggerMessage(3102, LogLevel.Warning, "HTTP request {Method} {Path} from {Remote} rejected: {Reason}")]
    public static partial void Unauthorized(ILogger logger, string method, string path, string? remote, string reason);

    [LoggerMessage(3103, LogLevel.Warning, "HTTP request {Method} {Path} from {Remote} forbidden: no {Permission} permission on topic {Topic}")]
    public static partial void Forbidden(ILogger logger, string method, string path, string? remote, string permission, string topic);

    [LoggerMessage(3104, LogLevel.Warning, "Publish to topic {Topic} over HTTP failed")]
    public static partial void PublishFailed(ILogger logger, Exception error, string topic);

    [LoggerMessage(3105, LogLevel.Information, "Replayed {Count} dead letters of {DeadLetterTopic} back to {Topic} over HTTP")]
    public static partial void Replayed(ILogger logger, int count, string deadLetterTopic, string topic);

    [LoggerMessage(3106, LogLevel.Warning, "Sampling topics for publish rates failed; rates stay as they were")]
    public static partial void SampleFailed(ILogger logger, Exception error);

    [LoggerMessage(3107, LogLevel.Error, "HTTP request {Method} {Path} failed")]
    public static partial void RequestFailed(ILogger logger, Exception error, string method, string path);
}
