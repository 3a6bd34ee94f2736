using System.Collections;
using System.Reflection;
using Omnibus.Codecs;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Turns a delivered <see cref="Message"/> (or batch) into the value of the trigger parameter. Chosen once per
/// function at indexing, so an unsupported parameter type fails the host's start, not the first message.
/// Bodies are decoded by <see cref="BodyCodec"/>: a POCO body that is not valid JSON raises
/// <see cref="MessageDecodeException"/>, which the core treats as poison. Thread-safe.
/// </summary>
internal sealed class TriggerParameterBinder
{
    private enum ElementKind
    {
        Message,
        String,
        Bytes,
        Memory,
        Poco,
    }

    private enum CollectionKind
    {
        None,
        Array,
        List,
        MessageBatch,
    }

    private readonly ElementKind _element;
    private readonly CollectionKind _collection;

    private TriggerParameterBinder(Type parameterType, Type elementType, ElementKind element, CollectionKind collection)
    {
        ParameterType = parameterType;
        ElementType = elementType;
        _element = element;
        _collection = collection;
    }

    public Type ParameterType { get; }

    /// <summary>The type of one entry: the parameter type itself outside batch mode.</summary>
    public Type ElementType { get; }

    public bool IsBatched => _collection != CollectionKind.None;

    /// <summary>The POCO type whose members become binding data, or null.</summary>
    public Type? PocoType => _element == ElementKind.Poco && !IsBatched ? ElementType : null;

    /// <exception cref="InvalidOperationException">The parameter type is not supported in this mode; the message says what is.</exception>
    public static TriggerParameterBinder Create(Type parameterType, bool isBatched)
    {
        if (!isBatched)
        {
            if (parameterType == typeof(MessageBatch) || (parameterType != typeof(byte[]) && ElementOf(parameterType) is not null))
            {
                throw new InvalidOperationException($"Parameter type {parameterType.Name} is a batch: set IsBatched = true on [BrokerTrigger], or take one message (string, byte[], ReadOnlyMemory<byte>, Message or a POCO).");
            }

            return new TriggerParameterBinder(parameterType, parameterType, KindOf(parameterType), CollectionKind.None);
        }

        if (parameterType == typeof(MessageBatch))
        {
            return new TriggerParameterBinder(parameterType, typeof(Message), ElementKind.Message, CollectionKind.MessageBatch);
        }

        var element = ElementOf(parameterType)
            ?? throw new InvalidOperationException($"Parameter type {parameterType.Name} cannot take a batch: with IsBatched = true use T[], List<T>, IReadOnlyList<T> or MessageBatch, where T is string, byte[], ReadOnlyMemory<byte>, Message or a POCO.");
        return new TriggerParameterBinder(parameterType, element, KindOf(element), parameterType.IsArray ? CollectionKind.Array : CollectionKind.List);
    }

    /// <summary>The parameter value for one message.</summary>
    /// <exception cref="MessageDecodeException">The body is not valid for the parameter type.</exception>
    public object Bind(Message message) => Decode(message);

    /// <summary>
    /// The parameter value for a batch: every entry that decodes, in order. Entries that do not are marked failed on
    /// <paramref name="batch"/> with their decode error (so they are dead-lettered on their own) and left out.
    /// </summary>
    public BatchTriggerValue Bind(MessageBatch batch)
    {
        if (_collection == CollectionKind.MessageBatch)
        {
            return new BatchTriggerValue(batch, batch, [.. batch]);
        }

        var values = new List<object>(batch.Count);
        var messages = new List<Message>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                values.Add(Decode(batch[i]));
                messages.Add(batch[i]);
            }
            catch (MessageDecodeException e)
            {
                batch.Fail(i, e);
            }
        }

        object collection;
        if (_collection == CollectionKind.Array)
        {
            var array = Array.CreateInstance(ElementType, values.Count);
            for (var i = 0; i < values.Count; i++)
            {
                array.SetValue(values[i], i);
            }

            collection = array;
        }
        else
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(ElementType), values.Count)!;
            foreach (var value in values)
            {
                list.Add(value);
            }

            collection = list;
        }

        return new BatchTriggerValue(batch, collection, messages);
    }

    private object Decode(Message message) => _element switch
    {
        ElementKind.Message => message,
        ElementKind.String => message.GetString(),
        ElementKind.Bytes => BodyCodec.Decode<byte[]>(message),
        ElementKind.Memory => message.Body,
        _ => BodyCodec.Decode(message, ElementType) ?? throw new MessageDecodeException(message.Id, ElementType, $"Message {message.Id} on topic '{message.Topic}' has the JSON body 'null', which is not a {ElementType.Name}."),
    };

    private static ElementKind KindOf(Type type)
    {
        if (type == typeof(Message))
        {
            return ElementKind.Message;
        }

        if (type == typeof(string))
        {
            return ElementKind.String;
        }

        if (type == typeof(byte[]))
        {
            return ElementKind.Bytes;
        }

        if (type == typeof(ReadOnlyMemory<byte>))
        {
            return ElementKind.Memory;
        }

        if (type == typeof(object) || type.IsInterface || type.IsAbstract || type.IsPointer || type.IsByRef || type == typeof(MessageBatch) || typeof(Delegate).IsAssignableFrom(type) || (type != typeof(byte[]) && ElementOf(type) is not null))
        {
            throw new InvalidOperationException($"Type {type.Name} cannot take a message: allowed are string, byte[], ReadOnlyMemory<byte>, Message or a concrete POCO decoded from JSON.");
        }

        return ElementKind.Poco;
    }

    /// <summary>The element type of T[], List&lt;T&gt;, IList&lt;T&gt;, IReadOnlyList&lt;T&gt;, IEnumerable&lt;T&gt; and similar, or null.</summary>
    private static Type? ElementOf(Type type)
    {
        if (type.IsArray)
        {
            return type.GetArrayRank() == 1 ? type.GetElementType() : null;
        }

        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
            || definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>)
            ? type.GetGenericArguments()[0]
            : null;
    }
}

/// <summary>A batch ready for the function: the delivered batch, the parameter value, and the messages it holds.</summary>
internal sealed record BatchTriggerValue(MessageBatch Batch, object Value, IReadOnlyList<Message> Messages);
