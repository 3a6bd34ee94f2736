using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Azure.WebJobs.Host.Bindings;
using Microsoft.Azure.WebJobs.Host.Triggers;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// What one message gives the SDK: the parameter value (as the value provider) and the binding data (Topic,
/// MessageId, Key, DeliveryAttempt, Headers, then the POCO's members), read from the message on demand. One object
/// in all three roles, and no dictionary filled per message: the SDK reads binding data only when another binding
/// of the function has an expression or a parameter bound by name, and the trigger's per-message allocations are a
/// large part of its distance to the bare pipeline's speed (docs/benchmarks.md).
/// </summary>
internal sealed class MessageTriggerData(Message message, Type parameterType, object value, BindingDataProvider? poco)
    : ITriggerData, IValueProvider, IReadOnlyDictionary<string, object>
{
    private static readonly IDictionary<string, string> NoHeaders = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());
    private static readonly string[] Own = ["Topic", "MessageId", "Key", "DeliveryAttempt", "Headers"];
    private IReadOnlyDictionary<string, object>? _members;

    IValueProvider ITriggerData.ValueProvider => this;

    IReadOnlyDictionary<string, object> ITriggerData.BindingData => this;

    Type IValueProvider.Type => parameterType;

    public int Count => Keys.Count();

    public IEnumerable<string> Keys => Own.Concat(Members.Keys.Where(k => !Own.Contains(k, StringComparer.OrdinalIgnoreCase)));

    public IEnumerable<object> Values => Keys.Select(k => this[k]);

    private IReadOnlyDictionary<string, object> Members => _members ??= (poco?.GetBindingData(value) ?? new Dictionary<string, object>());

    public object this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

    Task<object> IValueProvider.GetValueAsync() => Task.FromResult(value);

    string IValueProvider.ToInvokeString() => message.Id;

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
