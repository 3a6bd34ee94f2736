using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Tests.Storage;

public sealed class LogOptionsTests
{
    private static readonly Dictionary<string, LogOptions> Invalid = new()
    {
        ["SegmentBytesTooSmall"] = new LogOptions { SegmentBytes = 100 },
        ["MaxRecordBytesTooSmall"] = new LogOptions { MaxRecordBytes = 10 },
        ["MaxRecordBytesTooLarge"] = new LogOptions { MaxRecordBytes = 128 * 1024 * 1024 },
        ["FlushPolicyUnknown"] = new LogOptions { FlushPolicy = (FlushPolicy)42 },
        ["FlushIntervalZero"] = new LogOptions { FlushInterval = TimeSpan.Zero },
        ["IndexIntervalBytesTooSmall"] = new LogOptions { IndexIntervalBytes = 1 },
        ["WriteBufferBytesBelowMaxRecord"] = new LogOptions { WriteBufferBytes = 512 * 1024 },
        ["RetentionBytesZero"] = new LogOptions { RetentionBytes = 0 },
        ["RetentionAgeNegative"] = new LogOptions { RetentionAge = TimeSpan.FromSeconds(-1) },
    };

    [Fact]
    public void Validate_Defaults_Succeeds() => LogOptions.Default.Validate();

    [Theory]
    [InlineData("SegmentBytesTooSmall", nameof(LogOptions.SegmentBytes))]
    [InlineData("MaxRecordBytesTooSmall", nameof(LogOptions.MaxRecordBytes))]
    [InlineData("MaxRecordBytesTooLarge", nameof(LogOptions.MaxRecordBytes))]
    [InlineData("FlushPolicyUnknown", nameof(LogOptions.FlushPolicy))]
    [InlineData("FlushIntervalZero", nameof(LogOptions.FlushInterval))]
    [InlineData("IndexIntervalBytesTooSmall", nameof(LogOptions.IndexIntervalBytes))]
    [InlineData("WriteBufferBytesBelowMaxRecord", nameof(LogOptions.WriteBufferBytes))]
    [InlineData("RetentionBytesZero", nameof(LogOptions.RetentionBytes))]
    [InlineData("RetentionAgeNegative", nameof(LogOptions.RetentionAge))]
    public void Validate_InvalidValue_ThrowsNamingOptionAndAllowedRange(string invalidCase, string option)
    {
        var error = Assert.Throws<ArgumentException>(Invalid[invalidCase].Validate);

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"LogOptions.{option} is", error.Message, StringComparison.Ordinal);
        Assert.Contains("allowed:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_InvalidOptions_ThrowsBeforeTouchingDisk()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("log");

        Assert.Throws<ArgumentException>(() => SegmentedLog.Open(directory, new LogOptions { SegmentBytes = 1 }));
        Assert.False(Directory.Exists(directory));
    }
}
