namespace Omnibus;

/// <summary>
/// Exponential backoff with full jitter between delivery attempts: the delay before attempt n+1 is random in
/// [delay/2, delay] where delay = min(Max, Initial * Multiplier^(n-1)). Jitter spreads retries of a burst of
/// failures so they do not hit a recovering dependency at the same instant.
/// </summary>
public sealed record RetryBackoff
{
    /// <summary>100 ms doubling up to 30 s, with jitter.</summary>
    public static RetryBackoff Default { get; } = new();

    /// <summary>Redeliver at once (tests, and handlers that fail fast on bad input).</summary>
    public static RetryBackoff None { get; } = new() { Initial = TimeSpan.Zero, Max = TimeSpan.Zero };

    /// <summary>The delay after the first failure. Default 100 ms.</summary>
    public TimeSpan Initial { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest delay. Default 30 s.</summary>
    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth per attempt. Default 2.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>Whether delays are randomised into [delay/2, delay]. Default true.</summary>
    public bool Jitter { get; init; } = true;

    /// <summary>The delay before redelivering a message whose attempt <paramref name="failedAttempt"/> (1-based) failed.</summary>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        if (Initial <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(Math.Max(failedAttempt - 1, 0), 64);
        var ms = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(Multiplier, exponent));
        if (Jitter)
        {
            ms = (ms / 2) + (Random.Shared.NextDouble() * ms / 2);
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        SubscriptionOptions.Require(Initial >= TimeSpan.Zero, "Backoff.Initial", Initial, "zero or more");
        SubscriptionOptions.Require(Max >= Initial, "Backoff.Max", Max, $"at least Backoff.Initial ({Initial})");
        SubscriptionOptions.Require(Multiplier is >= 1 and <= 100, "Backoff.Multiplier", Multiplier, "from 1 to 100");
    }
}
