using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance.Servers;

/// <summary>
/// The redis-server shared by the tests of the collection (no persistence), stopped at the end. When it cannot start,
/// every test using it is skipped with the reason, or fails in CI (<see cref="TestEnvironment.IsCI"/>).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private RedisProcess? _process;
    private Exception? _unavailable;

    public RedisProcess Process => _process ?? throw _unavailable!;

    /// <summary>A connection string for this server; short claim and reconnect times keep the tests quick.</summary>
    public string ConnectionString(string? options = null) => Process.ConnectionString(options);

    public async Task InitializeAsync()
    {
        try
        {
            _process = await RedisProcess.StartAsync();
        }
        catch (Exception e) when (e is ServerUnavailableException or InvalidOperationException)
        {
            _unavailable = e;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>Skips (outside CI) or fails (in CI) the calling test when the server is not running.</summary>
    public void Require()
    {
        if (_process is null)
        {
            throw _unavailable is ServerUnavailableException ? _unavailable : TestEnvironment.Unavailable("redis-server could not be started: " + _unavailable?.Message);
        }
    }
}
