using Microsoft.Extensions.Logging;
using Omnibus.Drivers.Sqs.Internal;

namespace Omnibus.Drivers.Sqs;

/// <summary>
/// Creates <c>sqs://</c> drivers for Amazon SQS: <c>sqs://[region]?options</c> (<c>endpoint=</c> for an emulator or a
/// VPC endpoint; credentials from the SDK's chain unless <c>accessKeyId</c>/<c>secretAccessKey</c> are given). A topic
/// is the queue of (nearly) the same name, a <c>.fifo</c> topic a FIFO queue; one group consumes a queue, its members
/// compete. See <see cref="Options"/> and docs/drivers/sqs.md.
/// </summary>
public sealed class SqsDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [SqsSettings.Scheme];

    /// <inheritdoc />
    public DriverOptionTable Options => SqsSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new SqsDriver(SqsSettings.Parse(connectionString), loggerFactory);
    }
}
