using System.Collections;
using System.Text;
using Omnibus.Internal;

namespace Omnibus.Drivers;

/// <summary>
/// Every connection-string option one driver accepts, declared once: names match case-insensitively for every
/// driver. <see cref="BrokerRegistry"/> checks a connection string against it before the driver is created (unknown
/// names and bad values fail at connect, naming the option, the value, the driver and what is allowed), and the
/// driver reads typed values, defaults included, from it. The options every driver takes
/// (<see cref="Common"/>) are added to each table. Immutable and thread-safe.
/// </summary>
public sealed class DriverOptionTable : IReadOnlyCollection<DriverOption>
{
    /// <summary>The first delay before the core resubscribes (and a driver reconnects) after a lost connection; it doubles up to <c>reconnectMaxDelay</c>.</summary>
    public static readonly DriverOption ReconnectDelay = DriverOption.Duration("reconnectDelay", TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5),
        "First wait before resubscribing or reconnecting after a lost connection; doubles on each failure, with jitter");

    /// <summary>The longest delay between reconnection attempts.</summary>
    public static readonly DriverOption ReconnectMaxDelay = DriverOption.Duration("reconnectMaxDelay", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10),
        "Longest wait between reconnection attempts");

    /// <summary>Options every driver accepts; the core reads them.</summary>
    public static IReadOnlyList<DriverOption> Common { get; } = [ReconnectDelay, ReconnectMaxDelay];

    private readonly Dictionary<string, DriverOption> _options = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<DriverOption> _ordered = [];

    /// <summary>Declares the options of the driver for <paramref name="scheme"/> (plus <see cref="Common"/>).</summary>
    /// <exception cref="ArgumentException">A name is declared twice (also differing only in case).</exception>
    public DriverOptionTable(string scheme, params DriverOption[] options)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(options);
        Scheme = scheme;
        foreach (var option in options.Concat(Common))
        {
            if (!_options.TryAdd(option.Name, option))
            {
                throw new ArgumentException($"Option '{option.Name}' is declared twice for the {scheme}:// driver.", nameof(options));
            }

            _ordered.Add(option);
        }
    }

    /// <summary>The scheme named in errors.</summary>
    public string Scheme { get; }

    /// <inheritdoc />
    public int Count => _ordered.Count;

    /// <summary>The option named <paramref name="name"/> (any case), or null.</summary>
    public DriverOption? Find(string name) => _options.GetValueOrDefault(name);

    /// <summary>
    /// Checks every option of <paramref name="connectionString"/>: each must be declared here and have an allowed value.
    /// </summary>
    /// <exception cref="OmnibusConfigurationException">The first unknown option (with the closest name and the list), or the first bad value.</exception>
    public void Validate(ConnectionString connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        foreach (var (name, raw) in connectionString.Options)
        {
            var option = Find(name) ?? throw Unknown(connectionString.Scheme, name);
            option.Parse(raw, connectionString.Scheme);
        }
    }

    /// <summary>The value of text option <paramref name="name"/>, or its default.</summary>
    public string? GetText(ConnectionString connectionString, string name) => Raw(connectionString, name, out var option) ?? option.Default;

    /// <summary>The value of 32-bit option <paramref name="name"/>, or its default (0 when it has none).</summary>
    public int GetInt32(ConnectionString connectionString, string name) => (int)(GetValue(connectionString, name, DriverOptionKind.Int32) ?? 0);

    /// <summary>The value of 32-bit option <paramref name="name"/>, or null when it is not set and has no default.</summary>
    public int? GetInt32OrNull(ConnectionString connectionString, string name) => (int?)GetValue(connectionString, name, DriverOptionKind.Int32);

    /// <summary>The value of 64-bit option <paramref name="name"/>, or its default (0 when it has none).</summary>
    public long GetInt64(ConnectionString connectionString, string name) => (long)(GetValue(connectionString, name, DriverOptionKind.Int64) ?? 0L);

    /// <summary>The value of 64-bit option <paramref name="name"/>, or null when it is not set and has no default.</summary>
    public long? GetInt64OrNull(ConnectionString connectionString, string name) => (long?)GetValue(connectionString, name, DriverOptionKind.Int64);

    /// <summary>The value of boolean option <paramref name="name"/>, or its default.</summary>
    public bool GetBoolean(ConnectionString connectionString, string name) => (bool)GetValue(connectionString, name, DriverOptionKind.Boolean)!;

    /// <summary>The value of duration option <paramref name="name"/>, or its default (zero when it has none).</summary>
    public TimeSpan GetDuration(ConnectionString connectionString, string name) => (TimeSpan)(GetValue(connectionString, name, DriverOptionKind.Duration) ?? TimeSpan.Zero);

    /// <summary>The value of choice option <paramref name="name"/> as declared (canonical case), or its default.</summary>
    public string? GetChoice(ConnectionString connectionString, string name) => (string?)GetValue(connectionString, name, DriverOptionKind.Choice);

    /// <summary>Whether <paramref name="name"/> was given in the connection string (rather than defaulted).</summary>
    public bool IsSet(ConnectionString connectionString, string name) => Raw(connectionString, name, out _) is not null;

    /// <summary>
    /// The options as a Markdown table (option, default, allowed, description): each driver's README carries this
    /// table verbatim, and a test holds the two together.
    /// </summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder("| option | default | allowed | what it does |\n|---|---|---|---|\n");
        foreach (var o in _ordered)
        {
            text.Append("| `").Append(o.Name).Append("` | ").Append(o.Default is null ? "(none)" : "`" + o.Default + "`")
                .Append(" | ").Append(o.Allowed).Append(" | ").Append(o.Description).Append(" |\n");
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public IEnumerator<DriverOption> GetEnumerator() => _ordered.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private object? GetValue(ConnectionString connectionString, string name, DriverOptionKind kind)
    {
        var raw = Raw(connectionString, name, out var option);
        if (option.Kind != kind && !(kind == DriverOptionKind.Text && option.Kind == DriverOptionKind.Secret))
        {
            throw new ArgumentException($"Option '{name}' of the {Scheme}:// driver is {option.Kind}, not {kind}.", nameof(name));
        }

        var text = raw ?? option.Default;
        return text is null ? null : option.Parse(text, connectionString.Scheme);
    }

    private string? Raw(ConnectionString connectionString, string name, out DriverOption option)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        option = Find(name) ?? throw new ArgumentException($"Option '{name}' is not declared for the {Scheme}:// driver.", nameof(name));
        return connectionString.Get(name);
    }

    private OmnibusConfigurationException Unknown(string scheme, string name)
    {
        var accepted = _ordered.Select(o => o.Name).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        var suggestion = EditDistance.Closest(accepted, name) is { } closest ? $" Did you mean '{closest}'?" : string.Empty;
        return new OmnibusConfigurationException(name, $"Option '{name}' is not supported by the {scheme}:// driver.{suggestion} Supported options: {string.Join(", ", _ordered.Select(o => $"{o.Name} ({o.Allowed})"))}.");
    }
}
