namespace Omnibus.Drivers.Omnibus;

/// <summary>
/// The omnibus server refused a request or the connection: authentication failed, a topic is forbidden, a limit was
/// reached, or the broker behind the server failed. <see cref="Code"/> names the protocol error (docs/protocol.md).
/// </summary>
public sealed class OmnibusServerException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public OmnibusServerException(string code, string message, bool fatal = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Fatal = fatal;
    }

    /// <summary>The protocol error code by name, e.g. <c>Unauthenticated</c>, <c>Forbidden</c>, <c>TooManySubscriptions</c>.</summary>
    public string Code { get; }

    /// <summary>Whether the server closed the connection after it.</summary>
    public bool Fatal { get; }
}
