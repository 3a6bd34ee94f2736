namespace Omnibus.Embedded.Internal.Storage;

/// <summary>One header of a stored record: a UTF-8 name and an opaque value.</summary>
/// <param name="Name">Header name; stored as UTF-8, at most 65,535 bytes.</param>
/// <param name="Value">Header value bytes.</param>
internal readonly record struct LogHeader(string Name, ReadOnlyMemory<byte> Value);
