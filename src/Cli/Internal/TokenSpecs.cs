using System.Text.Json;
using Omnibus.Server;

namespace Omnibus.Cli.Internal;

/// <summary>
/// The server's access tokens, from <c>--token name:token:pub=patterns:sub=patterns</c> (patterns comma-separated:
/// an exact topic, <c>*</c>, or a prefix ending in <c>*</c>) or from <c>--tokens-file</c>, a JSON array of
/// <c>{"name": "ci", "token": "s3cret", "publish": ["orders.*"], "subscribe": ["*"]}</c>. The name only labels the
/// token in logs; a missing <c>pub</c>/<c>sub</c> grants nothing that way.
/// </summary>
internal static class TokenSpecs
{
    /// <summary>One token and what it may do.</summary>
    public sealed record Spec(string Name, string Token, IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Parses one <c>--token</c> value.</summary>
    public static Spec Parse(string value)
    {
        var parts = value.Split(':');
        if (parts.Length < 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw Invalid(value, "it needs a name, a token and at least one grant");
        }

        IReadOnlyList<string> publish = [], subscribe = [];
        foreach (var part in parts[2..])
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var patterns = eq < 0 ? [] : part[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (eq < 0 ? part : part[..eq])
            {
                case "pub" when patterns.Length > 0:
                    publish = patterns;
                    break;
                case "sub" when patterns.Length > 0:
                    subscribe = patterns;
                    break;
                default:
                    throw Invalid(value, $"'{Mask(part, parts[1])}' is neither pub=patterns nor sub=patterns");
            }
        }

        return new Spec(parts[0], parts[1], publish, subscribe);
    }

    /// <summary>Reads a <c>--tokens-file</c>.</summary>
    public static IReadOnlyList<Spec> Load(string path)
    {
        List<FileEntry?>? entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<FileEntry?>>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CliUsageException($"--tokens-file '{path}' could not be read: {e.Message} Allowed: a JSON array of {{\"name\", \"token\", \"publish\": [patterns], \"subscribe\": [patterns]}}.", e);
        }

        var specs = new List<Spec>();
        foreach (var (entry, index) in (entries ?? []).Select((e, i) => (e, i)))
        {
            if (entry is not { Token.Length: > 0 })
            {
                throw new CliUsageException($"--tokens-file '{path}': entry {index} has no token; allowed: {{\"name\", \"token\", \"publish\": [patterns], \"subscribe\": [patterns]}}.");
            }

            specs.Add(new Spec(entry.Name ?? $"token{index}", entry.Token, entry.Publish ?? [], entry.Subscribe ?? []));
        }

        return specs;
    }

    /// <summary>Adds <paramref name="specs"/> to the server options; a token given twice is an error.</summary>
    public static void AddTo(OmnibusServerOptions options, IEnumerable<Spec> specs)
    {
        foreach (var spec in specs)
        {
            if (!options.Tokens.TryAdd(spec.Token, new TokenGrant { Publish = spec.Publish, Subscribe = spec.Subscribe }))
            {
                throw new CliUsageException($"--token '{spec.Name}' repeats the token of another entry; allowed: each token once.");
            }
        }
    }

    private static CliUsageException Invalid(string value, string why)
    {
        var shown = value.Split(':') is { Length: >= 2 } parts ? Mask(value, parts[1]) : value;
        return new CliUsageException($"--token '{shown}' is invalid ({why}): allowed is name:token:pub=patterns:sub=patterns, e.g. ci:s3cret:pub=orders.*:sub=*.");
    }

    private static string Mask(string text, string token) => ClientConnection.MaskToken(text, token);

    private sealed record FileEntry(string? Name, string? Token, string[]? Publish, string[]? Subscribe);
}
