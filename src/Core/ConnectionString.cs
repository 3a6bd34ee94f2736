using System.Globalization;

namespace Omnibus;

/// <summary>
/// A parsed broker connection string: <c>scheme://[user[:password]@]location[?option=value&amp;...]</c>, where
/// location is whatever the driver expects (one or more <c>host:port</c>, a path, a name). The password is
/// kept out of <see cref="ToString"/> so that a logged connection string never leaks it. Immutable.
/// </summary>
public sealed class ConnectionString
{
    private readonly Dictionary<string, string> _options;

    private ConnectionString(string scheme, string? userName, string? password, string location, Dictionary<string, string> options)
    {
        Scheme = scheme;
        UserName = userName;
        Password = password;
        Location = location;
        _options = options;
    }

    /// <summary>The scheme, lower case, e.g. <c>kafka</c>.</summary>
    public string Scheme { get; }

    /// <summary>The user name, unescaped, or null.</summary>
    public string? UserName { get; }

    /// <summary>The password, unescaped, or null. Never logged.</summary>
    public string? Password { get; }

    /// <summary>Everything between the credentials and the query, e.g. <c>h1:9092,h2:9092</c> or <c>./data</c>.</summary>
    public string Location { get; }

    /// <summary>The query options, names compared case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Options => _options;

    /// <summary>The hosts of <see cref="Location"/> as (host, port) pairs, using <paramref name="defaultPort"/> where none is given.</summary>
    public IReadOnlyList<(string Host, int Port)> Hosts(int defaultPort)
    {
        var path = Location.IndexOf('/', StringComparison.Ordinal);
        var authority = path < 0 ? Location : Location[..path];
        var result = new List<(string, int)>();
        foreach (var part in authority.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon < 0 || part.EndsWith(']'))
            {
                result.Add((part, defaultPort));
                continue;
            }

            if (!int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new OmnibusConfigurationException("host", $"The port in '{part}' of the {Scheme} connection string is invalid: allowed is a number from 1 to 65535.");
            }

            result.Add((part[..colon], port));
        }

        return result;
    }

    /// <summary>Parses <paramref name="value"/>.</summary>
    /// <exception cref="OmnibusConfigurationException">It is not of the form <c>scheme://...</c>, or an option repeats.</exception>
    public static ConnectionString Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new OmnibusConfigurationException("connection string", "The connection string is empty: allowed is 'scheme://location?options', e.g. 'memory://' or 'kafka://localhost:9092'.");
        }

        var sep = value.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            throw new OmnibusConfigurationException("connection string", $"'{Redact(value)}' is not a connection string: allowed is 'scheme://location?options', e.g. 'memory://' or 'kafka://localhost:9092'.");
        }

        var scheme = value[..sep].Trim().ToLowerInvariant();
        var rest = value[(sep + 3)..];
        var query = rest.IndexOf('?');
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (query >= 0)
        {
            foreach (var pair in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).Trim();
                var optionValue = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (!options.TryAdd(name, optionValue))
                {
                    throw new OmnibusConfigurationException(name, $"Option '{name}' appears twice in the {scheme} connection string: allowed is once.");
                }
            }

            rest = rest[..query];
        }

        string? user = null, password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var credentials = rest[..at];
            var colon = credentials.IndexOf(':');
            user = Uri.UnescapeDataString(colon < 0 ? credentials : credentials[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(credentials[(colon + 1)..]);
            rest = rest[(at + 1)..];
        }

        return new ConnectionString(scheme, user, password, rest, options);
    }

    /// <summary>The option's value, or null when absent.</summary>
    public string? Get(string name) => _options.TryGetValue(name, out var v) ? v : null;

    /// <summary>An integer option in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/>.</summary>
    public int GetInt32(string name, int defaultValue, int min, int max) => (int)GetInt64(name, defaultValue, min, max);

    /// <summary>
    /// A 64-bit integer option in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/>:
    /// for sizes in bytes, which pass 2 GiB.
    /// </summary>
    public long GetInt64(string name, long defaultValue, long min, long max)
    {
        var raw = Get(name);
        if (raw is null)
        {
            return defaultValue;
        }

        return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw Invalid(name, raw, $"a whole number from {min} to {max}");
    }

    /// <summary>A boolean option (<c>true</c>/<c>false</c>), or <paramref name="defaultValue"/>.</summary>
    public bool GetBoolean(string name, bool defaultValue)
    {
        var raw = Get(name);
        return raw is null ? defaultValue : bool.TryParse(raw, out var v) ? v : throw Invalid(name, raw, "true or false");
    }

    /// <summary>A duration option: milliseconds as a number (<c>250</c>), or with a unit (<c>250ms</c>, <c>5s</c>, <c>2m</c>).</summary>
    public TimeSpan GetDuration(string name, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var raw = Get(name);
        if (raw is null)
        {
            return defaultValue;
        }

        var (digits, scale) = raw.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (raw[..^2], 1.0)
            : raw.EndsWith('s') ? (raw[..^1], 1000.0)
            : raw.EndsWith('m') ? (raw[..^1], 60_000.0)
            : (raw, 1.0);
        if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            var value = TimeSpan.FromMilliseconds(n * scale);
            if (value >= min && value <= max)
            {
                return value;
            }
        }

        throw Invalid(name, raw, $"a duration from {min.TotalMilliseconds}ms to {max.TotalMilliseconds}ms, e.g. '250ms', '5s' or '2m'");
    }

    /// <summary>An option that must be one of <paramref name="allowed"/> (case-insensitive), or <paramref name="defaultValue"/>.</summary>
    public string GetChoice(string name, string defaultValue, params string[] allowed)
    {
        var raw = Get(name);
        if (raw is null)
        {
            return defaultValue;
        }

        foreach (var a in allowed)
        {
            if (string.Equals(a, raw, StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }

        throw Invalid(name, raw, "one of " + string.Join(", ", allowed));
    }

    /// <summary>An error naming option <paramref name="name"/>, its value and what is allowed.</summary>
    public OmnibusConfigurationException Invalid(string name, string value, string allowed) =>
        new(name, $"Option '{name}' = '{value}' of the {Scheme} connection string is invalid: allowed is {allowed}.");

    /// <summary>
    /// Whether option <paramref name="name"/> holds a secret (its name contains <c>password</c>, <c>token</c>,
    /// <c>secret</c> or <c>credential</c>): such values never appear in <see cref="ToString"/>.
    /// </summary>
    public static bool IsSecretOption(string name) =>
        name.Contains("password", StringComparison.OrdinalIgnoreCase) || name.Contains("token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Contains("credential", StringComparison.OrdinalIgnoreCase);

    /// <summary>The connection string with the password and every secret option's value replaced by <c>***</c>.</summary>
    public override string ToString()
    {
        var credentials = UserName is null ? string.Empty : Uri.EscapeDataString(UserName) + (Password is null ? string.Empty : ":***") + "@";
        var query = _options.Count == 0 ? string.Empty
            : "?" + string.Join('&', _options.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + (IsSecretOption(kv.Key) ? "***" : Uri.EscapeDataString(kv.Value))));
        return $"{Scheme}://{credentials}{Location}{query}";
    }

    /// <summary>An unparsable string for an error message: no user info, no query (either may hold a secret).</summary>
    private static string Redact(string value)
    {
        var query = value.IndexOf('?', StringComparison.Ordinal);
        var head = query < 0 ? value : value[..query] + "?***";
        var at = head.LastIndexOf('@');
        return at < 0 ? head : "***" + head[at..];
    }
}
