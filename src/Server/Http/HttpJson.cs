using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omnibus.Server.Http;

/// <summary>An error answer (RFC 9457 problem details): <c>title</c> names the kind, <c>detail</c> says what to do.</summary>
internal sealed record ApiProblem(string Title, int Status, string Detail);

/// <summary>The answer to a publish: the id the message was stored under.</summary>
internal sealed record PublishedMessage(string Id, string Topic);

/// <summary>One topic with its publish rate (messages per second over the last sampling interval; null before two samples).</summary>
internal sealed record TopicView(string Name, long Messages, long? Bytes, long Published, int Partitions, double? Rate);

/// <summary>One consumer group.</summary>
internal sealed record GroupView(string Topic, string Group, long Lag, long InFlight, long DeadLettered, int Members);

/// <summary>One stored message as peek shows it: <c>body</c> is UTF-8 text when <c>bodyEncoding</c> is <c>text</c>, else base64.</summary>
internal sealed record MessageView(
    string Id,
    string? Key,
    DateTimeOffset Timestamp,
    string? ContentType,
    IDictionary<string, string> Headers,
    string Body,
    string BodyEncoding,
    int Size);

/// <summary>The answer to a dead-letter replay.</summary>
internal sealed record ReplayResult(string Topic, string DeadLetterTopic, int Replayed);

/// <summary>The publish rate history the dashboard's chart draws: one point per sampling interval, oldest first.</summary>
internal sealed record ThroughputView(int IntervalMs, IReadOnlyList<ThroughputPoint> Points);

/// <summary>One point of <see cref="ThroughputView"/>: messages per second over the permitted topics.</summary>
internal sealed record ThroughputPoint(DateTimeOffset At, double Rate);

/// <summary>The health answer.</summary>
internal sealed record HealthView(string Status, string Driver);

/// <summary>Serialisation without reflection (the slim host is trimming-friendly), camelCase.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(PublishedMessage))]
[JsonSerializable(typeof(IReadOnlyList<TopicView>))]
[JsonSerializable(typeof(IReadOnlyList<GroupView>))]
[JsonSerializable(typeof(IReadOnlyList<MessageView>))]
[JsonSerializable(typeof(ReplayResult))]
[JsonSerializable(typeof(ThroughputView))]
[JsonSerializable(typeof(HealthView))]
internal sealed partial class HttpJson : JsonSerializerContext;
