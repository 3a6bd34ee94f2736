using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Omnibus.Conformance.Xunit;

/// <summary>A test case that turns a <see cref="FeatureNotDeclaredException"/> into a skip.</summary>
public sealed class ConformanceTestCase : XunitTestCase
{
    /// <summary>For deserialization by xunit only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ConformanceTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public ConformanceTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    /// <inheritdoc />
    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        var bus = new SkippingMessageBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        summary.Failed -= bus.Skipped;
        summary.Skipped += bus.Skipped;
        return summary;
    }

    private sealed class SkippingMessageBus : IMessageBus
    {
        private static readonly string[] SkipTypes = [typeof(FeatureNotDeclaredException).FullName!, typeof(ServerUnavailableException).FullName!, typeof(KnownDefectException).FullName!];
        private readonly IMessageBus _inner;

        public SkippingMessageBus(IMessageBus inner) => _inner = inner;

        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0 && SkipTypes.Contains(failed.ExceptionTypes[0]))
            {
                Skipped++;
                return _inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages[0]));
            }

            return _inner.QueueMessage(message);
        }

        public void Dispose() => _inner.Dispose();
    }
}

/// <summary>Thrown by <see cref="BrokerConformanceTests.RequireFeature"/>; reported as a skip.</summary>
public sealed class FeatureNotDeclaredException : Exception
{
    /// <summary>Creates the exception for <paramref name="feature"/>.</summary>
    public FeatureNotDeclaredException(string feature)
        : base($"The driver does not declare the '{feature}' feature.")
    {
    }
}

/// <summary>
/// Thrown by a scenario that a driver is known to fail some of the time, with the defect it shows; reported as a skip
/// whose reason says it, so the defect stays visible in every run until the driver is fixed and the override removed.
/// </summary>
public sealed class KnownDefectException(string defect) : Exception("Known defect, not yet fixed: " + defect);

/// <summary>
/// Thrown by an integration-test fixture when the real server it needs cannot run on this machine; reported as a
/// skip with the reason. Fixtures throw it only outside CI (<see cref="TestEnvironment.Unavailable"/>): in CI they fail instead.
/// </summary>
public sealed class ServerUnavailableException : Exception
{
    /// <summary>Creates the exception with why the server is unavailable.</summary>
    public ServerUnavailableException(string reason)
        : base(reason)
    {
    }
}
