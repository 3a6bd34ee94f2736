using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests.Kit;

/// <summary>One option table per driver: names in any case, values checked at connect, defaults from one place.</summary>
public sealed class DriverOptionTableTests
{
    private static readonly DriverOptionTable Table = new(
        "test",
        DriverOption.Int32("prefetch", 64, 1, 1000, "Prefetch"),
        DriverOption.Int64("retentionBytes", 0, 0, long.MaxValue, "Bytes kept"),
        DriverOption.Duration("timeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), "Timeout"),
        DriverOption.Choice("mode", "fast", "Mode", "fast", "safe"),
        DriverOption.Boolean("tls", false, "TLS"),
        DriverOption.Secret("token", "A token"));

    [Fact]
    public void Get_Unset_GivesTheDeclaredDefault()
    {
        var cs = ConnectionString.Parse("test://h");
        Assert.Equal(64, Table.GetInt32(cs, "prefetch"));
        Assert.Equal(TimeSpan.FromSeconds(5), Table.GetDuration(cs, "timeout"));
        Assert.Equal("fast", Table.GetChoice(cs, "mode"));
        Assert.False(Table.GetBoolean(cs, "tls"));
        Assert.Null(Table.GetText(cs, "token"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), Table.GetDuration(cs, "reconnectDelay")); // common to every driver
    }

    [Fact]
    public void Validate_NamesInAnyCase_AreAccepted_AndReadBack()
    {
        var cs = ConnectionString.Parse("test://h?PREFETCH=7&Mode=SAFE&retentionbytes=10737418240");
        Table.Validate(cs);
        Assert.Equal(7, Table.GetInt32(cs, "prefetch"));
        Assert.Equal("safe", Table.GetChoice(cs, "mode"));
        Assert.Equal(10L * 1024 * 1024 * 1024, Table.GetInt64(cs, "retentionBytes"));
    }

    [Theory]
    [InlineData("prefetch=0", "prefetch", "'0'", "from 1 to 1000")]
    [InlineData("timeout=forever", "timeout", "'forever'", "a duration")]
    [InlineData("mode=slow", "mode", "'slow'", "one of fast, safe")]
    [InlineData("tls=yes", "tls", "'yes'", "true or false")]
    public void Validate_BadValue_NamesOptionValueDriverAndWhatIsAllowed(string query, string option, string value, string allowed)
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Table.Validate(ConnectionString.Parse("test://h?" + query)));
        Assert.Equal(option, error.Setting);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
        Assert.Contains("test://", error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownName_SuggestsTheClosest_AndListsTheAccepted()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Table.Validate(ConnectionString.Parse("test://h?prefech=3")));
        Assert.Contains("Did you mean 'prefetch'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("reconnectMaxDelay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadSecret_NeverEchoesIt()
    {
        var table = new DriverOptionTable("s", DriverOption.Secret("token", "t"));
        table.Validate(ConnectionString.Parse("s://h?token=abc"));
        var option = table.Find("TOKEN")!;
        Assert.DoesNotContain("abc", option.Invalid("abc", "s").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declare_SameNameTwiceInAnyCase_Throws() =>
        Assert.Throws<ArgumentException>(() => new DriverOptionTable("x", DriverOption.Boolean("tls", false, "a"), DriverOption.Boolean("TLS", true, "b")));

    [Fact]
    public void ToMarkdown_ListsEveryOptionWithDefaultAndRange()
    {
        var markdown = Table.ToMarkdown();
        Assert.Contains("| `prefetch` | `64` | a whole number from 1 to 1000 | Prefetch |", markdown, StringComparison.Ordinal);
        Assert.Contains("| `timeout` | `5s` |", markdown, StringComparison.Ordinal);
        Assert.Contains("| `token` | (none) | text |", markdown, StringComparison.Ordinal);
        Assert.Contains("`reconnectDelay`", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_BadValueOfARegisteredDriver_FailsAtConnect()
    {
        var error = Assert.Throws<OmnibusConfigurationException>(() => Broker.Connect("memory://?retention=-1"));
        Assert.Equal("retention", error.Setting);
        Assert.Contains("memory://", error.Message, StringComparison.Ordinal);
    }
}
