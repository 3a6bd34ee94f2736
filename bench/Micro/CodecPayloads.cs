namespace Omnibus.Bench.Micro;

/// <summary>Deterministic payloads of a given size, so every run measures the same bytes.</summary>
internal static class CodecPayloads
{
    public static byte[] Bytes(int size)
    {
        var bytes = new byte[size];
        new Random(42).NextBytes(bytes);
        return bytes;
    }

    /// <summary>ASCII text, so <paramref name="size"/> characters are also <paramref name="size"/> UTF-8 bytes.</summary>
    public static string Text(int size)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
        var random = new Random(42);
        return string.Create(size, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[r.Next(Alphabet.Length)];
            }
        });
    }
}
