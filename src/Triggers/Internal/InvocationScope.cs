using System.Security.Cryptography;
using System.Text;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// The trigger message of the invocation running on this async flow, so that its outputs get ids derived from it:
/// output n of topic T of an invocation of group G for message M has the same id on every attempt, and a retried
/// invocation's duplicates are dropped by a deduplicating broker (<see cref="Message.IdempotencyId"/>) or by the
/// idempotent-consumer middleware (<see cref="Message.Id"/>). Positions count per topic in the order the function
/// adds its outputs, so a function that adds them in a deterministic order gets the same ids each time.
/// </summary>
internal sealed class InvocationScope
{
    private static readonly AsyncLocal<InvocationScope?> Ambient = new();
    private readonly string _origin;
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    private InvocationScope(string origin) => _origin = origin;

    /// <summary>The scope of the invocation on this async flow, or null outside a broker-triggered invocation.</summary>
    public static InvocationScope? Current => Ambient.Value;

    /// <summary>Enters the scope of one invocation for <paramref name="group"/> triggered by message (or batch) <paramref name="triggerId"/>.</summary>
    public static void Enter(string group, string triggerId) => Ambient.Value = new InvocationScope(group + "\n" + triggerId);

    /// <summary>The id of the next output published to <paramref name="topic"/> in this invocation.</summary>
    public string NextOutputId(string topic)
    {
        int position;
        lock (_positions)
        {
            _positions.TryGetValue(topic, out position);
            _positions[topic] = position + 1;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{_origin}\n{topic}\n{position}"));
        return "o-" + Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }
}
