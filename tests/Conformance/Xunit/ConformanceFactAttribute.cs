using Xunit;
using Xunit.Sdk;

namespace Omnibus.Conformance.Xunit;

/// <summary>
/// A conformance scenario. Like [Fact], except that a scenario that calls
/// <see cref="BrokerConformanceTests.RequireFeature"/> for a feature the driver does not declare is reported as
/// skipped, with the feature named, instead of failed or (worse) silently passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Omnibus.Conformance.Xunit.ConformanceFactDiscoverer", "Omnibus.Conformance")]
public sealed class ConformanceFactAttribute : FactAttribute
{
}
