using Amazon;
using Amazon.Runtime;
using Amazon.SQS;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// The <c>sqs://</c> option table and the typed settings read from one connection string, checked once at connect:
/// combinations the driver cannot honour fail here with the option, the value and what is allowed. Immutable.
/// </summary>
internal sealed record SqsSettings
{
    public const string Scheme = "sqs";

    /// <summary>SQS's longest long-poll wait (WaitTimeSeconds).</summary>
    public static readonly TimeSpan MaxWaitTime = TimeSpan.FromSeconds(20);

    /// <summary>SQS's longest visibility timeout.</summary>
    public static readonly TimeSpan MaxVisibility = TimeSpan.FromHours(12);

    public static DriverOptionTable Table { get; } = new(
        Scheme,
        DriverOption.Text("endpoint", null, "Service URL instead of the region's (an emulator such as fauxqs, or a VPC endpoint), e.g. http://127.0.0.1:4566"),
        DriverOption.Text("accessKeyId", null, "Access key id, with secretAccessKey (default: the SDK's credential chain: environment, profile, container or instance role)"),
        DriverOption.Secret("secretAccessKey", "Secret access key of accessKeyId (masked wherever the connection string is printed)"),
        DriverOption.Boolean("createQueues", true, "Create the queue of a topic that has none (a .fifo topic gets a FIFO queue); false: a topic without a queue is an error"),
        DriverOption.Duration("visibilityTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), MaxVisibility, "Lease of a received message: redelivered if neither deleted nor extended within it (the driver extends it while a handler runs)"),
        DriverOption.Duration("waitTime", TimeSpan.FromSeconds(20), TimeSpan.Zero, MaxWaitTime, "Long-poll wait of one ReceiveMessage call (WaitTimeSeconds, whole seconds); a closing member lets its last call finish in the background and hands back what it brings"),
        DriverOption.Int32("prefetch", null, 1, ConsumerSpec.MaxPrefetch, "Messages one member holds received and unsettled at most (default: the core's prefetch, 2 x concurrency); received 10 at most per call"),
        DriverOption.Int32("maxMessageSize", 262_144, 1_024, 1_048_576, "Largest message in bytes (body, base64 when binary, plus attributes) a publish sends; SQS's default limit is 262144, a queue can allow up to 1048576"),
        DriverOption.Int32("maxErrorRetry", 2, 0, 10, "Retries of the SDK for one failed call (throttling, 5xx, network) before the driver sees the error"),
        DriverOption.Duration("requestTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), "Longest wait for one HTTP call, beyond the long-poll wait"));

    public string? Region { get; private init; }

    public string? Endpoint { get; private init; }

    public string? AccessKeyId { get; private init; }

    public string? SecretAccessKey { get; private init; }

    public bool CreateQueues { get; private init; }

    public TimeSpan VisibilityTimeout { get; private init; }

    public TimeSpan WaitTime { get; private init; }

    public int? Prefetch { get; private init; }

    public int MaxErrorRetry { get; private init; }

    public int MaxMessageSize { get; private init; }

    public TimeSpan RequestTimeout { get; private init; }

    public TimeSpan ReconnectDelay { get; private init; }

    public TimeSpan ReconnectMaxDelay { get; private init; }

    /// <summary>Where the driver talks to, for logs (never a credential).</summary>
    public string Target => Endpoint ?? $"region {Region ?? "(SDK default)"}";

    public static SqsSettings Parse(ConnectionString cs)
    {
        var t = Table;
        var settings = new SqsSettings
        {
            Region = string.IsNullOrWhiteSpace(cs.Location) ? null : cs.Location.Trim(),
            Endpoint = t.GetText(cs, "endpoint"),
            AccessKeyId = t.GetText(cs, "accessKeyId"),
            SecretAccessKey = t.GetText(cs, "secretAccessKey"),
            CreateQueues = t.GetBoolean(cs, "createQueues"),
            VisibilityTimeout = t.GetDuration(cs, "visibilityTimeout"),
            WaitTime = t.GetDuration(cs, "waitTime"),
            Prefetch = t.GetInt32OrNull(cs, "prefetch"),
            MaxErrorRetry = t.GetInt32(cs, "maxErrorRetry"),
            MaxMessageSize = t.GetInt32(cs, "maxMessageSize"),
            RequestTimeout = t.GetDuration(cs, "requestTimeout"),
            ReconnectDelay = t.GetDuration(cs, DriverOptionTable.ReconnectDelay.Name),
            ReconnectMaxDelay = t.GetDuration(cs, DriverOptionTable.ReconnectMaxDelay.Name),
        };
        settings.Check(cs);
        return settings;
    }

    /// <summary>The SDK client of these settings: an endpoint override, or the region's endpoint; explicit keys or the SDK's credential chain.</summary>
    public AmazonSQSClient CreateClient()
    {
        var config = new AmazonSQSConfig
        {
            MaxErrorRetry = MaxErrorRetry,
            Timeout = RequestTimeout + WaitTime,
        };
        if (Endpoint is not null)
        {
            config.ServiceURL = Endpoint;
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }

        return AccessKeyId is null ? new AmazonSQSClient(config) : new AmazonSQSClient(new BasicAWSCredentials(AccessKeyId, SecretAccessKey), config);
    }

    private void Check(ConnectionString cs)
    {
        if (Region is not null && !IsRegionName(Region))
        {
            throw new OmnibusConfigurationException("region", $"The sqs:// connection string names region '{cs.Location}': allowed is 'sqs://' (the SDK's region) or 'sqs://<region>' with letters, digits and '-' only, e.g. 'sqs://eu-west-1' (an endpoint goes in the endpoint option).");
        }

        if (Endpoint is not null && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new OmnibusConfigurationException("endpoint", $"Option 'endpoint' = '{Endpoint}' of the sqs:// driver is not a URL: allowed is an absolute http:// or https:// URL, e.g. http://127.0.0.1:4566.");
        }

        if ((AccessKeyId is null) != (SecretAccessKey is null))
        {
            var given = AccessKeyId is null ? "secretAccessKey" : "accessKeyId";
            throw new OmnibusConfigurationException(given, $"Option '{given}' of the sqs:// driver is set without its pair: allowed is accessKeyId and secretAccessKey together, or neither (the SDK's credential chain).");
        }

        if (WaitTime.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new OmnibusConfigurationException("waitTime", $"Option 'waitTime' = '{WaitTime}' of the sqs:// driver is not whole seconds: allowed is 0s to 20s in whole seconds (SQS's WaitTimeSeconds).");
        }

        if (VisibilityTimeout.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new OmnibusConfigurationException("visibilityTimeout", $"Option 'visibilityTimeout' = '{VisibilityTimeout}' of the sqs:// driver is not whole seconds: allowed is 1s to 12h in whole seconds (SQS's VisibilityTimeout).");
        }
    }

    private static bool IsRegionName(string region) => region.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
