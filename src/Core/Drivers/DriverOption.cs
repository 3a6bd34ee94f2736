using System.Globalization;

namespace Omnibus.Drivers;

/// <summary>The type of a connection-string option's value.</summary>
public enum DriverOptionKind
{
    /// <summary>Free text.</summary>
    Text,

    /// <summary>Free text that is a secret: never logged or printed.</summary>
    Secret,

    /// <summary>A 32-bit whole number in a range.</summary>
    Int32,

    /// <summary>A 64-bit whole number in a range (sizes in bytes).</summary>
    Int64,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A duration: milliseconds as a number, or with a unit (<c>250ms</c>, <c>5s</c>, <c>2m</c>).</summary>
    Duration,

    /// <summary>One of a fixed set of words, compared case-insensitively.</summary>
    Choice,
}

/// <summary>
/// One connection-string option of a driver: its name, type, default and allowed values, declared once in the
/// driver's <see cref="DriverOptionTable"/>. Parsing, validation at connect, error messages and the documented option
/// tables all read it. Immutable; create with the static factories.
/// </summary>
public sealed record DriverOption
{
    private DriverOption(string name, DriverOptionKind kind, string? defaultValue, string description)
    {
        Name = name;
        Kind = kind;
        Default = defaultValue;
        Description = description;
    }

    /// <summary>The name in the query string, matched case-insensitively.</summary>
    public string Name { get; }

    /// <summary>The type of its value.</summary>
    public DriverOptionKind Kind { get; }

    /// <summary>The default as it would be written in a connection string, or null when it has none (off, or computed).</summary>
    public string? Default { get; }

    /// <summary>What it does, one sentence.</summary>
    public string Description { get; }

    /// <summary>The least value (<see cref="DriverOptionKind.Int32"/>, <see cref="DriverOptionKind.Int64"/>; milliseconds for durations).</summary>
    public long Min { get; private init; }

    /// <summary>The greatest value, as <see cref="Min"/>.</summary>
    public long Max { get; private init; }

    /// <summary>The allowed words of a <see cref="DriverOptionKind.Choice"/>.</summary>
    public IReadOnlyList<string> Choices { get; private init; } = [];

    /// <summary>What is allowed, in words (for errors and documentation).</summary>
    public string Allowed => Kind switch
    {
        DriverOptionKind.Int32 or DriverOptionKind.Int64 => $"a whole number from {Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}",
        DriverOptionKind.Boolean => "true or false",
        DriverOptionKind.Duration => $"a duration from {Min.ToString(CultureInfo.InvariantCulture)}ms to {Max.ToString(CultureInfo.InvariantCulture)}ms, e.g. '250ms', '5s' or '2m'",
        DriverOptionKind.Choice => "one of " + string.Join(", ", Choices),
        _ => "text",
    };

    /// <summary>A text option.</summary>
    public static DriverOption Text(string name, string? defaultValue, string description) => new(name, DriverOptionKind.Text, defaultValue, description);

    /// <summary>A secret text option (a password, token or key): its value is masked wherever the connection string is printed.</summary>
    public static DriverOption Secret(string name, string description) => new(name, DriverOptionKind.Secret, null, description);

    /// <summary>A 32-bit whole-number option.</summary>
    public static DriverOption Int32(string name, int? defaultValue, int min, int max, string description) =>
        new(name, DriverOptionKind.Int32, defaultValue?.ToString(CultureInfo.InvariantCulture), description) { Min = min, Max = max };

    /// <summary>A 64-bit whole-number option (sizes in bytes).</summary>
    public static DriverOption Int64(string name, long? defaultValue, long min, long max, string description) =>
        new(name, DriverOptionKind.Int64, defaultValue?.ToString(CultureInfo.InvariantCulture), description) { Min = min, Max = max };

    /// <summary>A boolean option.</summary>
    public static DriverOption Boolean(string name, bool defaultValue, string description) =>
        new(name, DriverOptionKind.Boolean, defaultValue ? "true" : "false", description);

    /// <summary>A duration option.</summary>
    public static DriverOption Duration(string name, TimeSpan? defaultValue, TimeSpan min, TimeSpan max, string description) =>
        new(name, DriverOptionKind.Duration, defaultValue is { } d ? FormatDuration(d) : null, description)
        {
            Min = (long)min.TotalMilliseconds,
            Max = (long)max.TotalMilliseconds,
        };

    /// <summary>An option that takes one of <paramref name="choices"/>; the default is the first unless given.</summary>
    public static DriverOption Choice(string name, string? defaultValue, string description, params string[] choices) =>
        new(name, DriverOptionKind.Choice, defaultValue, description) { Choices = choices };

    /// <summary>Checks <paramref name="raw"/> against the type and range; throws an error naming the option, the value, the driver and what is allowed.</summary>
    /// <exception cref="OmnibusConfigurationException">The value is not allowed.</exception>
    public object Parse(string raw, string scheme)
    {
        ArgumentNullException.ThrowIfNull(raw);
        object? value = Kind switch
        {
            DriverOptionKind.Int32 or DriverOptionKind.Int64 => long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= Min && n <= Max
                ? Kind == DriverOptionKind.Int32 ? (object)(int)n : n
                : null,
            DriverOptionKind.Boolean => bool.TryParse(raw, out var b) ? b : null,
            DriverOptionKind.Duration => ParseDuration(raw) is { } d && d.TotalMilliseconds >= Min && d.TotalMilliseconds <= Max ? d : null,
            DriverOptionKind.Choice => Choices.FirstOrDefault(c => string.Equals(c, raw, StringComparison.OrdinalIgnoreCase)),
            _ => raw,
        };
        return value ?? throw Invalid(raw, scheme);
    }

    /// <summary>The error for a value of this option that is not allowed.</summary>
    public OmnibusConfigurationException Invalid(string raw, string scheme) =>
        new(Name, $"Option '{Name}' = '{(Kind == DriverOptionKind.Secret ? "***" : raw)}' of the {scheme}:// driver is invalid: allowed is {Allowed}.");

    internal static TimeSpan? ParseDuration(string raw)
    {
        var (digits, scale) = raw.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (raw[..^2], 1.0)
            : raw.EndsWith('s') ? (raw[..^1], 1000.0)
            : raw.EndsWith('m') ? (raw[..^1], 60_000.0)
            : (raw, 1.0);
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? TimeSpan.FromMilliseconds(n * scale)
            : null;
    }

    private static string FormatDuration(TimeSpan d) =>
        d.TotalMilliseconds % 60_000 == 0 && d > TimeSpan.Zero ? $"{d.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : d.TotalMilliseconds % 1000 == 0 && d > TimeSpan.Zero ? $"{d.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : $"{d.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
