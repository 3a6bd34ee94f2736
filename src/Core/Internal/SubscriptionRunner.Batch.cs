using Omnibus.Diagnostics;
using Omnibus.Drivers;

namespace Omnibus.Internal;

/// <summary>
/// Batch mode: collect up to MaxSize deliveries, waiting at most MaxWait after the first, then settle each entry on its own.
/// The concurrent loops take turns to collect, so batches are contiguous runs of the source, fill up before the next one
/// starts, and start in arrival order; only the handling overlaps.
/// </summary>
internal sealed partial class SubscriptionRunner
{
    private readonly SemaphoreSlim _collecting = new(1, 1);

    private async Task BatchLoopAsync()
    {
        var source = _source!;
        var token = _stopReading.Token;
        var deliveries = new List<Delivery>(Options.Batch.MaxSize);
        try
        {
            while (!token.IsCancellationRequested)
            {
                deliveries.Clear();
                await _collecting.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    if (!await source.WaitToReadAsync(token).ConfigureAwait(false))
                    {
                        return;
                    }

                    await FillAsync(source, deliveries, token).ConfigureAwait(false);
                }
                finally
                {
                    _collecting.Release();
                }

                if (deliveries.Count > 0 && !token.IsCancellationRequested)
                {
                    await HandleBatchAsync(deliveries).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing; deliveries taken but not handled are released when the source is disposed.
        }
    }

    private async Task FillAsync(IDeliverySource source, List<Delivery> deliveries, CancellationToken token)
    {
        var max = Options.Batch.MaxSize;
        while (deliveries.Count < max && source.TryRead(out var delivery))
        {
            await AddUnlessExhaustedAsync(deliveries, delivery).ConfigureAwait(false);
        }

        if (deliveries.Count == 0 || deliveries.Count >= max || Options.Batch.MaxWait <= TimeSpan.Zero)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
        wait.CancelAfter(Options.Batch.MaxWait);
        try
        {
            while (deliveries.Count < max && await source.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                while (deliveries.Count < max && source.TryRead(out var delivery))
                {
                    await AddUnlessExhaustedAsync(deliveries, delivery).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // MaxWait has passed: hand over what we have.
        }
    }

    private async ValueTask AddUnlessExhaustedAsync(List<Delivery> deliveries, Delivery delivery)
    {
        if (delivery.Message.DeliveryAttempt > Options.MaxDeliveryAttempts)
        {
            await DeadLetterExhaustedAsync(delivery).ConfigureAwait(false);
        }
        else
        {
            deliveries.Add(delivery);
        }
    }

    private async Task HandleBatchAsync(List<Delivery> deliveries)
    {
        // Every start is asked for before any is awaited, so a driver can report them all at once.
        List<(Delivery Delivery, Task Starting)>? waiting = null;
        foreach (var delivery in deliveries)
        {
            var starting = delivery.StartingAsync();
            if (!starting.IsCompletedSuccessfully)
            {
                (waiting ??= []).Add((delivery, starting.AsTask()));
            }
        }

        foreach (var (delivery, starting) in waiting ?? [])
        {
            if (await NotStartedAsync(delivery, new ValueTask(starting)).ConfigureAwait(false))
            {
                deliveries.Remove(delivery);
            }
        }

        if (deliveries.Count == 0)
        {
            return;
        }

        var messages = new Message[deliveries.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = deliveries[i].Message;
        }

        var batch = new MessageBatch(messages);
        Exception? whole = null;
        using (var activity = MessageTracing.StartProcess(_driver.Scheme, Options.Group, messages[0]))
        {
            activity?.SetTag("messaging.batch.message_count", messages.Length);
            OmnibusTelemetry.Delivered.Add(messages.Length, _tags);
            OmnibusTelemetry.InFlight.Add(messages.Length, _tags);
            try
            {
                await _batchHandler!(batch, HandlerToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                MessageTracing.Fail(activity, e);
                whole = e;
            }
            finally
            {
                OmnibusTelemetry.InFlight.Add(-messages.Length, _tags);
            }
        }

        for (var i = 0; i < messages.Length; i++)
        {
            await SettleAsync(deliveries[i], messages[i], whole ?? batch.FailureOf(i)).ConfigureAwait(false);
        }
    }
}
