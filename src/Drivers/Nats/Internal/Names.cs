using System.Globalization;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// How topics and groups become NATS names. A topic is its own subject (so another team's plain client publishes to
/// the subject it expects). Stream and consumer names may not hold '.', which topic and group names may: a dot becomes
/// '_' and an 8-digit hash of the original name is appended, so <c>a.b</c> and <c>a_b</c> never share a stream or a
/// consumer. Names without a dot are kept as they are.
/// </summary>
internal static class Names
{
    /// <summary>The description that marks a consumer as a group's, and keeps the group's own name for admin.</summary>
    public const string GroupDescriptionPrefix = "omnibus group ";

    public static string Subject(string topic) => topic;

    public static string Stream(string prefix, string topic) => prefix + Token(topic);

    /// <summary>The durable consumer of <paramref name="group"/>; on a stream shared by several topics the topic is part of it.</summary>
    public static string Consumer(string group, string topic, bool dedicatedStream) =>
        dedicatedStream ? Token(group) : Token(group) + "__" + Token(topic);

    public static string GroupDescription(string group) => GroupDescriptionPrefix + group;

    /// <summary>The group a consumer serves: from its description when the driver made it, else its name.</summary>
    public static string GroupOf(string consumerName, string? description) =>
        description is not null && description.StartsWith(GroupDescriptionPrefix, StringComparison.Ordinal)
            ? description[GroupDescriptionPrefix.Length..]
            : consumerName;

    private static string Token(string name) =>
        name.Contains('.', StringComparison.Ordinal) ? name.Replace('.', '_') + "-" + Fnv1a(name).ToString("x8", CultureInfo.InvariantCulture) : name;

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
