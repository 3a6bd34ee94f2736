using System.Globalization;
using System.Net;

namespace Omnibus.Cli.Internal;

/// <summary>Parses the values the commands take as text; each failure is a <see cref="CliUsageException"/> naming the option and the value.</summary>
internal static class InputParsers
{
    /// <summary>A duration: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or <c>hh:mm:ss</c>. Zero or more.</summary>
    public static TimeSpan ParseDuration(string option, string value)
    {
        var text = value.Trim();
        (string Digits, double Milliseconds) unit = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1)
            : text.EndsWith('s') ? (text[..^1], 1000)
            : text.EndsWith('m') ? (text[..^1], 60_000)
            : text.EndsWith('h') ? (text[..^1], 3_600_000)
            : (string.Empty, 0);
        if (unit.Milliseconds > 0
            && double.TryParse(unit.Digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return TimeSpan.FromMilliseconds(amount * unit.Milliseconds);
        }

        if (unit.Milliseconds == 0 && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new CliUsageException($"{option} '{value}' is not a duration: allowed are 500ms, 5s, 2m, 1h or 00:00:05 (zero or more).");
    }

    /// <summary>Headers given as repeated <c>name=value</c>; the value may be empty and may contain '='.</summary>
    public static Dictionary<string, string> ParseHeaders(string option, IEnumerable<string> values)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || string.IsNullOrWhiteSpace(value[..eq]))
            {
                throw new CliUsageException($"{option} '{value}' is invalid: allowed is 'name=value' with a non-empty name, e.g. {option} tenant=acme.");
            }

            headers[value[..eq].Trim()] = value[(eq + 1)..];
        }

        return headers;
    }

    /// <summary>A listening address <c>host:port</c> (host an IP address or localhost, port 0 to 65535), or <c>off</c> (null).</summary>
    public static string? ParseListenAddress(string option, string value)
    {
        if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        var host = colon > 0 ? value[..colon].Trim('[', ']') : string.Empty;
        var validPort = colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535;
        if (!validPort || (host != "localhost" && !IPAddress.TryParse(host, out _)))
        {
            throw new CliUsageException($"{option} '{value}' is invalid: allowed is 'host:port' (an IP address or localhost, a port from 0 to 65535, 0 picks a free one) or 'off'.");
        }

        return value;
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int RequireRange(string option, int value, int min, int max) =>
        value >= min && value <= max ? value
        : throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{option} {value} is out of range: allowed is {min} to {max}."));
}
