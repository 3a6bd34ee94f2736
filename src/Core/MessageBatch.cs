using System.Collections;

namespace Omnibus;

/// <summary>
/// The messages of one batch delivery, and the handler's verdict per entry. Not thread-safe: one handler
/// invocation owns it.
/// </summary>
public sealed class MessageBatch : IReadOnlyList<Message>
{
    private readonly Message[] _messages;
    private Exception?[]? _failures;

    /// <summary>Creates a batch over <paramref name="messages"/>.</summary>
    public MessageBatch(Message[] messages) => _messages = messages;

    /// <inheritdoc />
    public int Count => _messages.Length;

    /// <inheritdoc />
    public Message this[int index] => _messages[index];

    /// <summary>Marks entry <paramref name="index"/> as failed: it is redelivered (or dead-lettered), the others are acknowledged.</summary>
    public void Fail(int index, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _messages.Length);
        (_failures ??= new Exception?[_messages.Length])[index] = error;
    }

    /// <summary>The error recorded for entry <paramref name="index"/>, or null when it succeeded.</summary>
    public Exception? FailureOf(int index) => _failures?[index];

    /// <inheritdoc />
    public IEnumerator<Message> GetEnumerator() => ((IEnumerable<Message>)_messages).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _messages.GetEnumerator();
}
