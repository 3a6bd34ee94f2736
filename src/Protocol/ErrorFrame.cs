namespace Omnibus.Protocol;

/// <summary>The ERROR payload: <c>u16 code, u8 fatal, string text</c>. A fatal error is the last frame before the close.</summary>
internal static class ErrorFrame
{
    public static void Write(Outbox outbox, uint requestId, ErrorCode code, bool fatal, string text)
    {
        using var frame = outbox.Begin(Opcode.Error, requestId);
        frame.Builder.WriteUInt16((ushort)code);
        frame.Builder.WriteByte(fatal ? (byte)1 : (byte)0);
        frame.Builder.WriteString(text);
    }

    public static (ErrorCode Code, bool Fatal, string Text) Read(ref FrameReader reader)
    {
        var code = (ErrorCode)reader.ReadUInt16();
        var fatal = reader.ReadByte() != 0;
        var text = reader.ReadString("error text");
        reader.End();
        return (code, fatal, text);
    }
}
