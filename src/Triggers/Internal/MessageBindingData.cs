using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Azure.WebJobs.Host.Bindings;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// The binding data of one message (Topic, MessageId, Key, DeliveryAttempt, Headers, then the POCO's members), read
/// from the message on demand. The SDK asks for binding data only when another binding of the function uses an
/// expression or a parameter bound by name, so most invocations never pay for a dictionary; one allocation here
/// instead of a filled dictionary per message is what keeps the trigger close to the bare pipeline's speed.
/// </summary>
internal sealed class MessageBindingData(Message message, BindingDataProvider? poco, object? value) : IReadOnlyDictionary<string, object>
{
    private static readonly IDictionary<string, string> NoHeaders = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());
    private static readonly string[] Own = ["Topic", "MessageId", "Key", "DeliveryAttempt", "Headers"];
    private IReadOnlyDictionary<string, object>? _members;

    public int Count => Keys.Count();

    public IEnumerable<string> Keys => Own.Concat(Members.Keys.Where(k => !Own.Contains(k, StringComparer.OrdinalIgnoreCase)));

    public IEnumerable<object> Values => Keys.Select(k => this[k]);

    private IReadOnlyDictionary<string, object> Members => _members ??= (poco is not null && value is not null ? poco.GetBindingData(value) : null) ?? new Dictionary<string, object>();

    public object this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value)
    {
        switch (key.ToUpperInvariant())
        {
            case "TOPIC": value = message.Topic; return true;
            case "MESSAGEID": value = message.Id; return true;
            case "KEY": value = message.Key!; return true;
            case "DELIVERYATTEMPT": value = message.DeliveryAttempt; return true;
            case "HEADERS": value = message.HasHeaders ? message.Headers : NoHeaders; return true;
            default: return Members.TryGetValue(key, out value);
        }
    }

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => Keys.Select(k => new KeyValuePair<string, object>(k, this[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
