namespace Omnibus;

/// <summary>The root of every exception Omnibus throws on purpose. Catch this to catch them all.</summary>
public abstract class OmnibusException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected OmnibusException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A connection string, option or subscription setting is invalid. Raised at start, never later.</summary>
public sealed class OmnibusConfigurationException : OmnibusException
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    public OmnibusConfigurationException(string setting, string message, Exception? innerException = null)
        : base(message, innerException) => Setting = setting;

    /// <summary>The name of the offending setting or option.</summary>
    public string Setting { get; }
}

/// <summary>A publish was not acknowledged by the broker. The message may or may not have been stored.</summary>
public sealed class PublishException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public PublishException(string topic, string driver, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Topic = topic;
        Driver = driver;
    }

    /// <summary>The topic published to.</summary>
    public string Topic { get; }

    /// <summary>The driver's scheme, e.g. <c>memory</c>.</summary>
    public string Driver { get; }
}

/// <summary>
/// A message body could not be decoded to the requested type: a poison message. A handler failing with this
/// (also as an inner exception) has its message dead-lettered at once, without the remaining attempts.
/// </summary>
public sealed class MessageDecodeException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public MessageDecodeException(string messageId, Type targetType, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        MessageId = messageId;
        TargetType = targetType;
    }

    /// <summary>The id of the message that could not be decoded.</summary>
    public string MessageId { get; }

    /// <summary>The type it was decoded to.</summary>
    public Type TargetType { get; }
}

/// <summary>The broker, publisher or subscription was used after it was closed.</summary>
public sealed class BrokerClosedException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public BrokerClosedException(string what)
        : base($"The {what} is closed.")
    {
    }
}
