namespace Omnibus;

/// <summary>
/// The rules every topic and group name follows, so that one name works on every broker: 1 to 200 characters
/// from letters, digits, '.', '_' and '-', not starting with '.' or '-'. Drivers may map names further
/// (e.g. Pub/Sub subscriptions), but never reject a name that passes here.
/// </summary>
public static class TopicName
{
    /// <summary>The longest name allowed.</summary>
    public const int MaxLength = 200;

    /// <summary>Whether <paramref name="name"/> follows the rules.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] is '.' or '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> unless <paramref name="name"/> is valid.</summary>
    public static void Validate(string? name, string setting)
    {
        if (!IsValid(name))
        {
            throw new OmnibusConfigurationException(
                setting,
                $"{setting} = '{name}' is invalid: allowed are 1 to {MaxLength} characters from letters, digits, '.', '_' and '-', not starting with '.' or '-'.");
        }
    }
}
