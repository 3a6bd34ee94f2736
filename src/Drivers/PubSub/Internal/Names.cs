using System.Globalization;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// How topics and groups become Pub/Sub resource ids. A topic is the topic of the same id (so another team's plain
/// client publishes where it expects). A group is, first, a subscription whose id is the group's name when one exists
/// on that topic (an operator's own); otherwise <c>&lt;topic&gt;~&lt;group&gt;</c>, which the driver creates: '~' is
/// allowed in Pub/Sub ids and in no Omnibus name, so two topics' groups never share a subscription. An id longer than
/// Pub/Sub's 255 characters keeps its first 246 and an 8-digit hash of the whole.
/// </summary>
internal static class Names
{
    /// <summary>Separates topic and group in the subscriptions the driver creates.</summary>
    public const char Separator = '~';

    public const int MaxIdLength = 255;

    /// <summary>Whether <paramref name="topic"/> (a valid Omnibus name) is also a valid Pub/Sub id, and if not why.</summary>
    public static string? WhyNotAnId(string topic)
    {
        if (topic.Length < 3)
        {
            return "is shorter than 3 characters";
        }

        if (!char.IsAsciiLetter(topic[0]))
        {
            return "does not start with a letter";
        }

        return topic.StartsWith("goog", StringComparison.OrdinalIgnoreCase) ? "starts with 'goog'" : null;
    }

    /// <summary>The id of the subscription the driver creates for <paramref name="group"/> on <paramref name="topic"/>.</summary>
    public static string SubscriptionId(string topic, string group)
    {
        var id = topic + Separator + group;
        return id.Length <= MaxIdLength ? id : id[..246] + Separator + Hash(id).ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>The group a subscription serves: the part after the separator when the driver made it, else its id.</summary>
    public static string GroupOf(string subscriptionId, string topic) =>
        subscriptionId.StartsWith(topic + Separator, StringComparison.Ordinal) ? subscriptionId[(topic.Length + 1)..] : subscriptionId;

    /// <summary>The last segment of a resource path (<c>projects/p/topics/x</c> gives <c>x</c>).</summary>
    public static string IdOf(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>FNV-1a of <paramref name="text"/>: stable across processes.</summary>
    public static uint Hash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
