using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Omnibus.Server.Http;

/// <summary>
/// Token authentication and topic permissions for HTTP requests. A token comes in <c>Authorization: Bearer &lt;token&gt;</c>;
/// the dashboard, which a browser opens without that header, gets it once as <c>/?token=</c> and keeps it in an HttpOnly,
/// SameSite=Strict cookie that authorises GET requests, and POSTs only from the dashboard's own script (the
/// <see cref="DashboardHeader"/> header, from the server's own origin), so another site cannot make a browser publish or replay.
/// </summary>
internal sealed class HttpAccess
{
    /// <summary>The cookie the dashboard's token is kept in.</summary>
    public const string CookieName = "omnibus_token";

    /// <summary>
    /// The header the dashboard's script sends with its POSTs. A form on another site cannot send a header, and a script
    /// there would need a CORS preflight, which this server never grants.
    /// </summary>
    public const string DashboardHeader = "X-Omnibus-Dashboard";

    private const string GrantKey = "omnibus.grant";

    private readonly OmnibusServerOptions _options;
    private readonly ServerStats _stats;
    private readonly ILogger _logger;

    public HttpAccess(OmnibusServerOptions options, ServerStats stats, ILogger logger)
    {
        _options = options;
        _stats = stats;
        _logger = logger;
    }

    /// <summary>Whether requests need a token.</summary>
    public bool Enabled => _options.Tokens.Count > 0;

    /// <summary>The grant the request was authenticated with (everything when authentication is off).</summary>
    public static TokenGrant GrantOf(HttpContext context) =>
        context.Items[GrantKey] as TokenGrant ?? throw new InvalidOperationException("The request was not authenticated.");

    /// <summary>Authenticates the request: stores its grant and returns null, or returns the 401 answer.</summary>
    public IResult? Authenticate(HttpContext context)
    {
        var request = context.Request;
        string? token = null;
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            {
                return Reject(context, "malformed Authorization header", "The Authorization header must be 'Bearer <token>'.");
            }

            token = header[7..].Trim();
        }
        else if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || IsDashboardScript(request))
        {
            token = request.Cookies[CookieName];
        }

        if (_options.Authorize(token) is { } grant)
        {
            context.Items[GrantKey] = grant;
            return null;
        }

        return token is null
            ? Reject(context, "no token", "A token is required: send 'Authorization: Bearer <token>' (for the dashboard, open /?token=<token> once).")
            : Reject(context, "unknown token", "The token is not known to this server: send one of its configured tokens as 'Authorization: Bearer <token>'.");
    }

    /// <summary>Null when the request may publish to <paramref name="topic"/>, else the 403 answer.</summary>
    public IResult? RequirePublish(HttpContext context, string topic) =>
        GrantOf(context).CanPublish(topic) ? null : Forbid(context, topic, "publish");

    /// <summary>Null when the request may read <paramref name="topic"/>, else the 403 answer.</summary>
    public IResult? RequireSubscribe(HttpContext context, string topic) =>
        GrantOf(context).CanSubscribe(topic) ? null : Forbid(context, topic, "subscribe");

    /// <summary>The dashboard's <c>/?token=</c>: a valid token becomes the cookie (and the URL loses it), a bad one is a 401.</summary>
    public IResult KeepDashboardToken(HttpContext context, string token)
    {
        if (!Enabled || _options.Authorize(token) is null)
        {
            return Enabled
                ? Reject(context, "unknown token", "The token is not known to this server.")
                : Results.Redirect("/");
        }

        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        return Results.Redirect("/");
    }

    /// <summary>A request of the dashboard's own script: it carries <see cref="DashboardHeader"/>, and its Origin (if any) is this server.</summary>
    private static bool IsDashboardScript(HttpRequest request)
    {
        if (!request.Headers.ContainsKey(DashboardHeader))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
                && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase));
    }

    private IResult Reject(HttpContext context, string reason, string detail)
    {
        _stats.Reject();
        HttpLog.Unauthorized(_logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString(), reason);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    private IResult Forbid(HttpContext context, string topic, string permission)
    {
        _stats.Reject();
        HttpLog.Forbidden(_logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString(), permission, topic);
        return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden", $"The token may not {permission} on topic '{topic}' (missing permission: {permission}).");
    }
}
