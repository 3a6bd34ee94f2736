using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Omnibus.Server.Http;

/// <summary>The HTTP API (JSON), metrics and dashboard. PLACEHOLDER: replaced by the HTTP work.</summary>
internal static class HttpApi
{
    public static void Map(WebApplication app) => app.MapGet("/health", () => Results.Ok());
}
