using System.Threading.Channels;
using Omnibus.Diagnostics;
using Omnibus.Drivers;

namespace Omnibus.Internal;

/// <summary>
/// Per-key ordering: a dispatcher puts each delivery on the lane its key hashes to, and each lane handles its
/// messages one at a time, retrying a failure in place, so one key is never handled concurrently and never out
/// of order, while different keys run on different lanes in parallel.
/// </summary>
internal sealed partial class SubscriptionRunner
{
    private const int LaneCapacity = 64;

    private IEnumerable<Task> StartLanes()
    {
        var lanes = new Channel<Delivery>[Options.Concurrency];
        var tasks = new Task[lanes.Length + 1];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(LaneCapacity) { SingleReader = true, SingleWriter = true });
            var lane = lanes[i].Reader;
            tasks[i] = Task.Run(() => LaneLoopAsync(lane));
        }

        tasks[^1] = Task.Run(() => DispatchAsync(lanes));
        return tasks;
    }

    private async Task DispatchAsync(Channel<Delivery>[] lanes)
    {
        var source = _source!;
        var token = _stopReading.Token;
        var roundRobin = 0;
        try
        {
            while (!token.IsCancellationRequested && await source.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (!token.IsCancellationRequested && source.TryRead(out var delivery))
                {
                    var key = delivery.Message.Key;
                    var lane = key is null ? roundRobin++ % lanes.Length : (int)(StableHash.Of(key) % (uint)lanes.Length);
                    try
                    {
                        await lanes[lane].Writer.WriteAsync(delivery, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        await delivery.NackAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                        throw;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing.
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Writer.TryComplete();
            }
        }
    }

    private async Task LaneLoopAsync(ChannelReader<Delivery> lane)
    {
        await foreach (var delivery in lane.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (_stopReading.IsCancellationRequested)
            {
                // Taken but never started: hand it back untouched.
                await delivery.NackAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            await HandleInOrderAsync(delivery).ConfigureAwait(false);
        }
    }

    private async Task HandleInOrderAsync(Delivery delivery)
    {
        var message = delivery.Message;
        if (message.DeliveryAttempt > Options.MaxDeliveryAttempts)
        {
            await DeadLetterExhaustedAsync(delivery).ConfigureAwait(false);
            return;
        }

        var starting = delivery.StartingAsync();
        if (!starting.IsCompletedSuccessfully && await NotStartedAsync(delivery, starting).ConfigureAwait(false))
        {
            return;
        }

        while (true)
        {
            var error = await InvokeAsync(message).ConfigureAwait(false);
            if (error is null || IsShutdown(error) || IsPoison(error) || message.DeliveryAttempt >= Options.MaxDeliveryAttempts)
            {
                await SettleAsync(delivery, message, error).ConfigureAwait(false);
                return;
            }

            // Retry in place: redelivering through the broker would let later messages with this key overtake it.
            var delay = Options.Backoff.DelayAfter(message.DeliveryAttempt);
            Log.HandlerFailed(_log, error, message.Id, message.Topic, Options.Group, message.DeliveryAttempt, Options.MaxDeliveryAttempts, delay);
            OmnibusTelemetry.Nacked.Add(1, _tags);
            try
            {
                await Task.Delay(delay, HandlerToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await delivery.NackAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            message = message.ForDelivery(message.Topic, message.DeliveryAttempt + 1);
        }
    }
}
