using System.Net;

namespace Omnibus.Drivers.RabbitMQ;

/// <summary>
/// The RabbitMQ management HTTP API, which the <c>amqp://</c> driver's admin and backlog read when the connection string
/// sets <c>management</c>, could not be reached, refused the connection's user, or did not answer as that API does. The
/// message names the URL and the user, never the password. Thrown by <see cref="IBroker.Admin"/> and
/// <see cref="IBroker.Backlog"/> instead of an empty answer.
/// </summary>
public sealed class RabbitMqManagementException : OmnibusException
{
    /// <summary>Creates the exception.</summary>
    public RabbitMqManagementException(Uri url, HttpStatusCode? statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        StatusCode = statusCode;
    }

    /// <summary>The URL asked (without credentials, which travel in a header).</summary>
    public Uri Url { get; }

    /// <summary>The HTTP status the API answered with, or null when it gave no answer (unreachable, timed out, not JSON).</summary>
    public HttpStatusCode? StatusCode { get; }
}
