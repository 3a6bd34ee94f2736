using Omnibus.Conformance.Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// Whether this run is CI, for every test that decides whether it may skip: outside CI a test whose server or tool is
/// missing is skipped with the reason; in CI, which installs everything, it fails instead, so nothing is skipped
/// silently there. One rule for all test projects because CI systems spell the variable differently (CI=true, CI=1,
/// CI=TRUE, CI=yes): any value but empty, 0, false, no or off (in any case) means CI.
/// </summary>
public static class TestEnvironment
{
    private static readonly string[] NotCI = ["0", "false", "no", "off"];

    /// <summary>True when the CI environment variable says this is CI.</summary>
    public static bool IsCI { get; } = MeansCI(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Whether <paramref name="value"/>, the CI variable's value (null when unset), means CI.</summary>
    public static bool MeansCI(string? value) =>
        !string.IsNullOrWhiteSpace(value) && !NotCI.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The skip reason for a fact attribute: <paramref name="reason"/> outside CI, null (run, and fail) in CI.
    /// </summary>
    public static string? SkipUnlessCI(string? reason) => IsCI ? null : reason;

    /// <summary>
    /// What a fixture throws when the server a test needs is unavailable: in CI a failure; elsewhere a
    /// <see cref="ServerUnavailableException"/>, which the conformance test case reports as a skip with the reason.
    /// </summary>
    public static Exception Unavailable(string reason) => IsCI
        ? new InvalidOperationException($"{reason} (CI is set, so this fails instead of skipping).")
        : new ServerUnavailableException($"{reason}. With CI set this fails instead.");
}
