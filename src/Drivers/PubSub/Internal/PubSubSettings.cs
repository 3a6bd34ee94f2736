namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// The <c>pubsub://</c> option table and the typed settings read from one connection string, checked once at connect:
/// combinations the driver cannot honour fail here with the option, the value and what is allowed. Immutable.
/// </summary>
internal sealed record PubSubSettings
{
    public const string Scheme = "pubsub";

    /// <summary>The environment variable Google's own clients read to talk to an emulator (<c>host:port</c>).</summary>
    public const string EmulatorHostVariable = "PUBSUB_EMULATOR_HOST";

    /// <summary>The most attempts a Pub/Sub dead-letter policy may count (the service allows 5 to 100).</summary>
    public const int MaxPolicyAttempts = 100;

    public static DriverOptionTable Table { get; } = new(
        Scheme,
        DriverOption.Text("emulator", null, "host:port of a Pub/Sub emulator (plain HTTP/2, no credentials); default: the PUBSUB_EMULATOR_HOST variable, else Google's endpoint"),
        DriverOption.Text("endpoint", "https://pubsub.googleapis.com", "The Pub/Sub service address when no emulator is used (e.g. a regional endpoint)"),
        DriverOption.Text("credentials", null, "Service-account JSON key file; default: application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server). Not with an emulator"),
        DriverOption.Boolean("createTopics", true, "Create a topic that does not exist (on publish and subscribe); false: a missing topic is an error"),
        DriverOption.Duration("ackDeadline", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(600), "Lease of a delivery (whole seconds): the stream's ack deadline and that of a new group's subscription; extended while a handler runs"),
        DriverOption.Int32("maxOutstandingMessages", null, 1, ConsumerSpec.MaxPrefetch, "Flow control: unacknowledged messages one member holds at most (default: the core's prefetch, 2 x concurrency)"),
        DriverOption.Int64("maxOutstandingBytes", 100L * 1024 * 1024, 1024, 1L << 32, "Flow control: bytes of unacknowledged messages one member holds at most"),
        DriverOption.Int32("publishMaxMessages", 100, 1, 1_000, "A publish request carries at most this many messages"),
        DriverOption.Int32("publishMaxBytes", 1_000_000, 1_000, 10_000_000, "A publish request carries at most this many bytes of data and attributes"),
        DriverOption.Duration("publishDelay", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(1), "How long a batch waits for more messages before it is sent (0: as soon as its lane is free; it fills while the lane's previous request is in flight)"),
        DriverOption.Int32("publishLanes", 4, 1, 64, "Publish requests in flight per topic; messages of one ordering key always take the same lane, in order"),
        DriverOption.Duration("requestTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "Longest wait for one unary call (publish, ack, admin); a publish that gets no answer fails with PublishException"),
        DriverOption.Int32("deadLetterAttempts", MaxPolicyAttempts, 5, MaxPolicyAttempts, "max_delivery_attempts of the dead-letter policy on subscriptions the driver creates (it makes Pub/Sub count delivery attempts; the core dead-letters first, at MaxDeliveryAttempts)"));

    /// <summary>The Google Cloud project.</summary>
    public required string Project { get; init; }

    /// <summary><c>host:port</c> of the emulator, or null for the real service.</summary>
    public string? Emulator { get; init; }

    public required string Endpoint { get; init; }

    public string? CredentialsFile { get; init; }

    public bool CreateTopics { get; init; }

    public int AckDeadlineSeconds { get; init; }

    public int? MaxOutstandingMessages { get; init; }

    public long MaxOutstandingBytes { get; init; }

    public int PublishMaxMessages { get; init; }

    public int PublishMaxBytes { get; init; }

    public TimeSpan PublishDelay { get; init; }

    public int PublishLanes { get; init; }

    public TimeSpan RequestTimeout { get; init; }

    public int DeadLetterAttempts { get; init; }

    public TimeSpan ReconnectDelay { get; init; }

    public TimeSpan ReconnectMaxDelay { get; init; }

    /// <summary>Where the channel goes: the emulator over plain HTTP/2, else the service over TLS.</summary>
    public string Address => Emulator is { } host ? "http://" + host : Endpoint;

    /// <summary>Reads and checks <paramref name="cs"/> (names and values were checked against <see cref="Table"/> already).</summary>
    /// <param name="cs">The connection string.</param>
    /// <param name="environmentEmulator">The value of <see cref="EmulatorHostVariable"/> (tests pass their own).</param>
    /// <exception cref="OmnibusConfigurationException">A combination the driver cannot honour.</exception>
    public static PubSubSettings Parse(ConnectionString cs, string? environmentEmulator)
    {
        ArgumentNullException.ThrowIfNull(cs);
        var t = Table;
        var project = cs.Location.TrimEnd('/');
        if (cs.UserName is not null)
        {
            throw new OmnibusConfigurationException("location", "The pubsub:// connection string carries a user or password: allowed is 'pubsub://<project>[?options]', credentials come from the 'credentials' option or application default credentials.");
        }

        if (!IsProjectId(project))
        {
            throw new OmnibusConfigurationException("location", $"'{project}' of the pubsub:// connection string is not a Google Cloud project id: allowed is 'pubsub://<project>[?options]', a project id of letters, digits, '-', '.' and ':' starting with a letter.");
        }

        var emulatorOption = t.GetText(cs, "emulator");
        var emulator = emulatorOption ?? (string.IsNullOrWhiteSpace(environmentEmulator) ? null : environmentEmulator.Trim());
        var ackDeadline = t.GetDuration(cs, "ackDeadline");
        var settings = new PubSubSettings
        {
            Project = project,
            Emulator = emulator,
            Endpoint = t.GetText(cs, "endpoint")!,
            CredentialsFile = t.GetText(cs, "credentials"),
            CreateTopics = t.GetBoolean(cs, "createTopics"),
            AckDeadlineSeconds = (int)ackDeadline.TotalSeconds,
            MaxOutstandingMessages = t.GetInt32OrNull(cs, "maxOutstandingMessages"),
            MaxOutstandingBytes = t.GetInt64(cs, "maxOutstandingBytes"),
            PublishMaxMessages = t.GetInt32(cs, "publishMaxMessages"),
            PublishMaxBytes = t.GetInt32(cs, "publishMaxBytes"),
            PublishDelay = t.GetDuration(cs, "publishDelay"),
            PublishLanes = t.GetInt32(cs, "publishLanes"),
            RequestTimeout = t.GetDuration(cs, "requestTimeout"),
            DeadLetterAttempts = t.GetInt32(cs, "deadLetterAttempts"),
            ReconnectDelay = t.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name),
            ReconnectMaxDelay = t.GetDuration(cs, DriverOptionTable.ReconnectMaxDelay.Name),
        };

        if (ackDeadline.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new OmnibusConfigurationException("ackDeadline", $"Option 'ackDeadline' = '{ackDeadline}' of the pubsub:// driver is not whole seconds: allowed is 10s to 600s in whole seconds (Pub/Sub counts ack deadlines in seconds).");
        }

        if (emulator is not null && !IsHostPort(emulator))
        {
            var source = emulatorOption is null ? EmulatorHostVariable : "emulator";
            throw new OmnibusConfigurationException(source, $"'{source}' = '{emulator}' of the pubsub:// driver is not host:port: allowed is e.g. 'emulator=127.0.0.1:8085'.");
        }

        if (emulator is not null && settings.CredentialsFile is not null)
        {
            throw new OmnibusConfigurationException("credentials", $"Option 'credentials' of the pubsub:// driver is set together with the emulator at {emulator}, which takes no credentials: allowed is credentials without an emulator, or an emulator without credentials.");
        }

        if (settings.CredentialsFile is { } file && !File.Exists(file))
        {
            throw new OmnibusConfigurationException("credentials", $"Option 'credentials' = '{file}' of the pubsub:// driver names no file: allowed is the path of a service-account JSON key file.");
        }

        if (emulator is null && !(Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps))
        {
            throw new OmnibusConfigurationException("endpoint", $"Option 'endpoint' = '{settings.Endpoint}' of the pubsub:// driver is not an https:// address: allowed is e.g. 'https://europe-west1-pubsub.googleapis.com' (an emulator is named with 'emulator=host:port').");
        }

        return settings;
    }

    private static bool IsProjectId(string project) =>
        project.Length is >= 1 and <= 100 && char.IsAsciiLetter(project[0])
        && project.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or ':');

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535 && !value.Contains('/', StringComparison.Ordinal);
    }
}
