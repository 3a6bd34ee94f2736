namespace Omnibus.Cli.Tests;

/// <summary><c>omnibus options</c> prints each driver's option table, read from the driver itself.</summary>
public sealed class OptionsTests
{
    [Fact]
    public async Task Options_OneScheme_ListsItsOptionsWithDefaultsAndRanges()
    {
        var result = (await CliProcess.RunAsync("options", "embedded")).Expect(0);
        Assert.Contains("embedded://", result.Stdout, StringComparison.Ordinal);
        foreach (var expected in new[] { "retentionBytes", "visibilityTimeout", "reconnectDelay", "500ms", "every-write" })
        {
            Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("kafka://", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_AllSchemes_ListsEveryInstalledDriver()
    {
        var result = (await CliProcess.RunAsync("options")).Expect(0);
        foreach (var scheme in new[] { "memory://", "embedded://", "omnibus://", "kafka://", "amqp://", "nats://", "redis://", "rediss://" })
        {
            Assert.Contains(scheme, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Options_UnknownScheme_ExitsTwoListingTheInstalledOnes()
    {
        var result = (await CliProcess.RunAsync("options", "mqtt")).Expect(2);
        Assert.Contains("No driver is installed for scheme 'mqtt'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("kafka://", result.Stderr, StringComparison.Ordinal);
    }
}
