namespace Omnibus.Protocol;

/// <summary>A frame broke the protocol; <see cref="Code"/> says how. The connection that sent it is closed.</summary>
internal sealed class ProtocolException : OmnibusException
{
    public ProtocolException(ErrorCode code, string message)
        : base(message) => Code = code;

    public ErrorCode Code { get; }
}
