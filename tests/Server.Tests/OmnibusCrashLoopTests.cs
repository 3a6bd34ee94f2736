using Omnibus.Conformance;

namespace Omnibus.Server.Tests;

/// <summary>
/// The crash-loop scenario against <c>omnibus://</c>: the handler's process dies, the server stays up; the server
/// counts a delivery as an attempt when it hands it out, and a lost connection hands it back with the count kept.
/// </summary>
public sealed class OmnibusCrashLoopTests : CrashLoopConformanceTests
{
    private TestServer? _server;

    protected override string ConnectionString => _server!.ConnectionString;

    // Seen once in a full run: messages the dead client held in its credit window came back in reverse order, ahead of
    // the poison message; they were handled but their acks died with the process, so after MaxAttempts runs they were
    // dead-lettered unhandled-looking ("attempts exhausted") beside the poison message. Innocent messages must not be.
    protected override string? KnownDefect =>
        "omnibus:// can dead-letter innocent messages whose acknowledgements a crash lost (credit-window hand-backs count an attempt and return reversed)";

    public override async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(serve: data => Omnibus.Broker.Connect($"embedded://{data}"));

    public override async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
