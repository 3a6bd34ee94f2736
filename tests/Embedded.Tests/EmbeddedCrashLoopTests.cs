using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests;

/// <summary>The crash-loop scenario against <c>embedded://</c> at qos=1: the broker dies with the handler's process every run.</summary>
public sealed class EmbeddedCrashLoopTests : CrashLoopConformanceTests, IDisposable
{
    private readonly TempDirectory _data = new();

    protected override string ConnectionString => $"embedded://{_data.Path}";

    public void Dispose() => _data.Dispose();
}

/// <summary>The crash-loop scenario against <c>embedded://</c> at qos=2 (durable acks).</summary>
public sealed class EmbeddedExactlyOnceCrashLoopTests : CrashLoopConformanceTests, IDisposable
{
    private readonly TempDirectory _data = new();

    protected override string ConnectionString => $"embedded://{_data.Path}?qos=2";

    public void Dispose() => _data.Dispose();
}
