using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Omnibus.Bindings.Internal;

/// <summary>
/// Validates <see cref="BrokerOptions"/> once, when the extension starts: each range, the default connection string
/// (scheme and options), the dead-letter naming, and that host.json's <c>extensions.broker</c> holds no key other
/// than the options, so a misspelt setting is an error instead of a silent default.
/// </summary>
internal sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    private static readonly string[] Known =
    [
        nameof(BrokerOptions.DefaultConnection), nameof(BrokerOptions.MaxConcurrency), nameof(BrokerOptions.MaxDeliveryAttempts),
        nameof(BrokerOptions.BackoffInitial), nameof(BrokerOptions.BackoffMax), nameof(BrokerOptions.DeadLetterTopic), nameof(BrokerOptions.DrainTimeout),
        nameof(BrokerOptions.IdempotentConsumer),
    ];

    private readonly IConfiguration _configuration;

    public BrokerOptionsValidator(IConfiguration configuration) => _configuration = configuration;

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var errors = new List<string>();
        foreach (var child in _configuration.GetWebJobsExtensionConfigurationSection("broker").GetChildren())
        {
            if (!Known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"extensions.broker.{child.Key} is not an option of the Omnibus extension: allowed are {string.Join(", ", Known.Select(Camel))}.");
            }
        }

        Check(errors, options.MaxConcurrency is >= 1 and <= 10_000, nameof(options.MaxConcurrency), options.MaxConcurrency, "from 1 to 10000");
        Check(errors, options.MaxDeliveryAttempts is >= 1 and <= 1_000, nameof(options.MaxDeliveryAttempts), options.MaxDeliveryAttempts, "from 1 to 1000");
        Check(errors, options.BackoffInitial >= TimeSpan.Zero, nameof(options.BackoffInitial), options.BackoffInitial, "zero or more");
        Check(errors, options.BackoffMax >= options.BackoffInitial, nameof(options.BackoffMax), options.BackoffMax, $"at least backoffInitial ({options.BackoffInitial})");
        Check(errors, options.DrainTimeout >= TimeSpan.Zero && options.DrainTimeout <= TimeSpan.FromMinutes(10), nameof(options.DrainTimeout), options.DrainTimeout, "from 00:00:00 to 00:10:00");
        var sample = (options.DeadLetterTopic ?? string.Empty).Replace("{topic}", "t", StringComparison.OrdinalIgnoreCase).Replace("{group}", "g", StringComparison.OrdinalIgnoreCase);
        Check(errors, TopicName.IsValid(sample), nameof(options.DeadLetterTopic), options.DeadLetterTopic, "a topic name (letters, digits, '.', '_', '-') that may contain {topic} and {group}, e.g. '{topic}.dlq'");
        try
        {
            (options.Registry ?? BrokerRegistry.Default).Resolve(options.DefaultConnection);
        }
        catch (OmnibusConfigurationException e)
        {
            errors.Add($"extensions.broker.defaultConnection is invalid: {e.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, bool condition, string option, object? value, string allowed)
    {
        if (!condition)
        {
            errors.Add($"extensions.broker.{Camel(option)} = '{value}' is invalid: allowed is {allowed}.");
        }
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
