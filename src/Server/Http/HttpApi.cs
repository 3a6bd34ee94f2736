using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers;

namespace Omnibus.Server.Http;

/// <summary>
/// The HTTP API (JSON), Prometheus metrics and the dashboard (docs in src/Server/Http/README.md). Routes:
/// <c>POST /v1/topics/{topic}/messages</c>, <c>POST /v1/topics/{topic}/messages/batch</c>, <c>GET /v1/topics</c>, <c>GET /v1/groups</c>, <c>GET /v1/topics/{topic}/messages</c>,
/// <c>POST /v1/topics/{topic}/dlq/replay</c>, <c>GET /v1/throughput</c>, <c>GET /health</c>, <c>GET /metrics</c>, <c>GET /</c>.
/// </summary>
internal sealed partial class HttpApi
{
    private readonly Broker _broker;
    private readonly IBrokerAdmin? _admin;
    private readonly RateSampler? _sampler;
    private readonly HttpAccess _access;
    private readonly ServerStats _stats;
    private readonly OmnibusServerOptions _options;
    private readonly ILogger _logger;

    private HttpApi(Broker broker, OmnibusServerOptions options, ServerStats stats, ILogger logger)
    {
        _broker = broker;
        _options = options;
        _stats = stats;
        _logger = logger;
        _admin = broker.Admin;
        _sampler = _admin is null ? null : new RateSampler(_admin, logger);
        _access = new HttpAccess(options, stats, logger);
    }

    /// <summary>Maps every route on <paramref name="app"/> and ties the rate sampler to the app's lifetime.</summary>
    public static void Map(WebApplication app)
    {
        var services = app.Services;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Omnibus.Server.Http");
        var api = new HttpApi(services.GetRequiredService<Broker>(), services.GetRequiredService<OmnibusServerOptions>(), services.GetRequiredService<ServerStats>(), logger);
        if (api._sampler is { } sampler)
        {
            var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
            lifetime.ApplicationStarted.Register(sampler.Start);
            lifetime.ApplicationStopping.Register(() => sampler.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }

        app.Use(api.GuardAsync);
        app.MapGet("/health", (Delegate)api.Health);
        app.MapGet("/", (Delegate)api.Dashboard);
        app.MapGet("/metrics", (Delegate)api.MetricsAsync);
        app.MapGet("/v1/topics", (Delegate)api.TopicsAsync);
        app.MapGet("/v1/groups", (Delegate)api.GroupsAsync);
        app.MapGet("/v1/throughput", (Delegate)api.Throughput);
        app.MapPost("/v1/topics/{topic}/messages", (Delegate)api.PublishAsync);
        app.MapPost("/v1/topics/{topic}/messages/batch", (Delegate)api.PublishBatchAsync);
        app.MapGet("/v1/topics/{topic}/messages", (Delegate)api.PeekAsync);
        app.MapPost("/v1/topics/{topic}/dlq/replay", (Delegate)api.ReplayAsync);
        HttpLog.Mapped(logger, api._broker.Scheme, api._admin is not null, api._access.Enabled);
    }

    /// <summary>Authenticates every request but the health check and the dashboard page, and turns failures into problem answers.</summary>
    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (!(path == "/health" || path == "/"))
        {
            if (_access.Authenticate(context) is { } rejection)
            {
                await rejection.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && Describe(e) is { } problem)
        {
            if (problem.Status >= 500)
            {
                HttpLog.RequestFailed(_logger, e, context.Request.Method, path);
            }

            await Problems.Create(problem.Status, problem.Title, problem.Detail).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private ApiProblem? Describe(Exception error) => error switch
    {
        OperationCanceledException => null,
        OmnibusConfigurationException e => new ApiProblem("Bad request", StatusCodes.Status400BadRequest, e.Message),
        FeatureNotSupportedException e => new ApiProblem("Not implemented", StatusCodes.Status501NotImplemented, e.Message),
        PublishException e => new ApiProblem("Broker unavailable", StatusCodes.Status503ServiceUnavailable, e.Message),
        ObjectDisposedException => new ApiProblem("Broker unavailable", StatusCodes.Status503ServiceUnavailable, "The broker is closed."),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new ApiProblem(
            "Payload too large", StatusCodes.Status413PayloadTooLarge, $"The request body exceeds the server's limit of {_options.MaxFrameBytes} bytes (OmnibusServerOptions.MaxFrameBytes)."),
        BadHttpRequestException e => new ApiProblem("Bad request", e.StatusCode, e.Message),
        _ => new ApiProblem("Internal error", StatusCodes.Status500InternalServerError, $"{error.GetType().Name}: {error.Message}"),
    };

    /// <summary>200 "ok" while the broker works; 503 "faulted" with the cause once it stopped (an orchestrator then restarts it).</summary>
    private IResult Health() => CurrentHealth() is { Cause: { } cause }
        ? Results.Json(new HealthView("faulted", _broker.Scheme, cause.Message), HttpJson.Default.HealthView, statusCode: StatusCodes.Status503ServiceUnavailable)
        : Results.Json(new HealthView("ok", _broker.Scheme, null), HttpJson.Default.HealthView);

    private BrokerHealth CurrentHealth() => _broker.Health;

    private IResult Dashboard(HttpContext context) =>
        context.Request.Query["token"].ToString() is { Length: > 0 } token
            ? _access.KeepDashboardToken(context, token)
            : Results.Text(DashboardPage.Html, "text/html; charset=utf-8");
}
