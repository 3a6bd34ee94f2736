using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>A driver that keeps no retained message refuses the retain header at publish instead of ignoring it.</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task RetainHeader_OnADriverWithoutRetainedMessages_RefusedAtPublish()
    {
        RequireFeature(f => !f.RetainedMessages, "no " + nameof(BrokerFeatures.RetainedMessages));
        var retained = Text("status");
        retained.Headers[HeaderNames.Retain] = "true";
        var error = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await Broker.PublishAsync(NewName("retain"), retained));
        Assert.Contains(HeaderNames.Retain, error.Message, StringComparison.Ordinal);
        Assert.Contains(Broker.Scheme + "://", error.Message, StringComparison.Ordinal);
    }
}
