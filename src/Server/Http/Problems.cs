using Microsoft.AspNetCore.Http;

namespace Omnibus.Server.Http;

/// <summary>Error answers as <c>application/problem+json</c>.</summary>
internal static class Problems
{
    public static IResult Create(int status, string title, string detail) =>
        Results.Json(new ApiProblem(title, status, detail), HttpJson.Default.ApiProblem, "application/problem+json", status);

    public static IResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "Bad request", detail);

    /// <summary>Null when <paramref name="topic"/> is a valid topic name, else a 400 stating the rule.</summary>
    public static IResult? InvalidTopic(string topic) =>
        TopicName.IsValid(topic) ? null
        : BadRequest($"Topic '{topic}' is invalid: allowed are 1 to {TopicName.MaxLength} characters from letters, digits, '.', '_' and '-', not starting with '.' or '-'.");

    public static IResult NoAdmin(string scheme) => Create(
        StatusCodes.Status501NotImplemented,
        "Not implemented",
        $"The served broker's driver '{scheme}' cannot list topics, groups or stored messages (IBroker.Admin is null for {scheme}://); serve one that can be inspected, such as embedded://, for these endpoints.");
}
