using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omnibus.Server.Http;

/// <summary>An error answer (RFC 9457 problem details): <c>title</c> names the kind, <c>detail</c> says what to do.</summary>
internal sealed record ApiProblem(string Title, int Status, string Detail);

/// <summary>The answer to a publish: the id the message was stored under.</summary>
internal sealed record PublishedMessage(string Id, string Topic);

/// <summary>One entry of a batch publish: <c>body</c> is text, or base64 when <c>bodyEncoding</c> is <c>base64</c>.</summary>
internal sealed record BatchEntry(string? Body, string? BodyEncoding, string? Key, string? ContentType, Dictionary<string, string>? Headers, long? DelayMs);

/// <summary>The answer to a batch publish: the ids in request order, and the entries the broker did not take.</summary>
internal sealed record BatchPublished(string Topic, IReadOnlyList<string> Ids, IReadOnlyList<BatchFailure> Failed);

/// <summary>One entry of a batch the broker did not take.</summary>
internal sealed record BatchFailure(int Index, string Error);

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

/// <summary>The health answer: <c>status</c> is <c>ok</c> or <c>faulted</c>, and <c>error</c> says why when faulted.</summary>
internal sealed record HealthView(string Status, string Driver, string? Error);

/// <summary>Serialisation without reflection (the slim host is trimming-friendly), camelCase.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(PublishedMessage))]
[JsonSerializable(typeof(List<BatchEntry>))]
[JsonSerializable(typeof(BatchPublished))]
[JsonSerializable(typeof(IReadOnlyList<TopicView>))]
[JsonSerializable(typeof(IReadOnlyList<GroupView>))]
[JsonSerializable(typeof(IReadOnlyList<MessageView>))]
[JsonSerializable(typeof(ReplayResult))]
[JsonSerializable(typeof(ThroughputView))]
[JsonSerializable(typeof(HealthView))]
internal sealed partial class HttpJson : JsonSerializerContext;
