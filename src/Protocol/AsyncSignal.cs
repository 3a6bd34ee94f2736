using System.Threading.Channels;

namespace Omnibus.Protocol;

/// <summary>
/// A wake-up for one waiter: <see cref="Set"/> any number of times from any thread; <see cref="WaitAsync"/> completes
/// once per burst of sets. The waiter re-checks its condition after waking, so a coalesced set loses nothing.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Channel<byte> _channel = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Set() => _channel.Writer.TryWrite(0);

    public async ValueTask WaitAsync(CancellationToken cancellationToken) => await _channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
}
