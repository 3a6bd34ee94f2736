namespace Omnibus.Protocol;

/// <summary>PLACEHOLDER: replaced by the protocol work.</summary>
internal static class Placeholder
{
}
