namespace Omnibus.Drivers.Sqs;

/// <summary>
/// SQS message attributes the <c>sqs://</c> driver writes and reads besides the application's headers (each its own
/// String attribute while they fit, see <see cref="Headers"/>) and <see cref="HeaderNames.ContentType"/>. A message
/// from a plain SQS client without them is still consumed: see docs/drivers/sqs.md.
/// </summary>
public static class SqsAttributeNames
{
    /// <summary><see cref="Message.Id"/>. Absent on a plain client's message: the id is then the SQS MessageId.</summary>
    public const string Id = "omnibus-id";

    /// <summary><see cref="Message.Key"/>, when it has one (on a FIFO queue it is also the MessageGroupId).</summary>
    public const string Key = "omnibus-key";

    /// <summary><see cref="Message.Timestamp"/> as Unix milliseconds (Number); absent: SQS's SentTimestamp.</summary>
    public const string Timestamp = "omnibus-timestamp";

    /// <summary>When <see cref="Message.TimeToLive"/> runs out, as Unix milliseconds (Number); the driver drops the message after it.</summary>
    public const string ExpiresAt = "omnibus-expires-at";

    /// <summary><c>base64</c> when the body is not text SQS can carry (binary, or characters SQS refuses), so it travels base64-encoded.</summary>
    public const string BodyEncoding = "omnibus-body-encoding";

    /// <summary>
    /// All application headers as one JSON object (String), used instead of one attribute per header when they do not
    /// fit: more than SQS's 10 attributes in all, a header name SQS does not accept as an attribute name, or an empty value.
    /// </summary>
    public const string Headers = "omnibus-headers";
}
