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
        private static readonly string SkipType = typeof(FeatureNotDeclaredException).FullName!;
        private readonly IMessageBus _inner;

        public SkippingMessageBus(IMessageBus inner) => _inner = inner;

        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0 && failed.ExceptionTypes[0] == SkipType)
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
