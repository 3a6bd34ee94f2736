using System.Diagnostics.CodeAnalysis;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// One member of a group: a receive loop long-polling the topic's queue into the kit's <see cref="DeliveryBuffer"/>,
/// asking for as many messages as the prefetch leaves room for (10 at most per call) and for none while the member holds
/// prefetch messages unsettled, buffered or in a handler (so a member that dies holds at most that many, each charged one
/// receive, and no long poll of a dead member takes a message once it is visible again), and a lease timer
/// that extends the visibility of what it holds (buffered or in a handler) once a third of the visibility timeout has
/// passed. A failed receive ends it with <see cref="ConnectionLostException"/>; the core reopens it after its
/// reconnect delay, doubling, so an endpoint that is away is not polled in a tight loop. Closing does not cancel a
/// receive under way (an aborted long poll could leave messages invisible for a whole visibility timeout): it
/// finishes in the background and what it brings is handed straight back.
/// </summary>
internal sealed class SqsConsumer : IDeliverySource
{
    private static readonly List<string> AllAttributes = ["All"];
    private static readonly List<string> SystemAttributes = ["ApproximateReceiveCount", "SentTimestamp", "MessageGroupId"];
    private readonly SqsDriver _driver;
    private readonly ILogger _log;
    private readonly Action<SqsConsumer> _onClosed;
    private readonly DeliveryBuffer _buffer;
    private readonly DeleteBatcher _deletes;
    private readonly CancellationTokenSource _abort = new();
    private readonly LinkedList<SqsDelivery> _leases = new();
    private readonly object _leaseLock = new();
    private readonly SemaphoreSlim _room; // one slot per message the member may still hold: taken by a receive, given back by a settlement
    private readonly int _receiveMax;
    private readonly int _visibilitySeconds;
    private readonly long _leaseRenewAfterMs;
    private readonly Timer _leaseTimer;
    private int _closed;

    public SqsConsumer(SqsDriver driver, ConsumerSpec spec, string queueUrl, string queue, int prefetch, Action<SqsConsumer> onClosed)
    {
        _driver = driver;
        _log = driver.Logger;
        Spec = spec;
        QueueUrl = queueUrl;
        Queue = queue;
        _onClosed = onClosed;
        _receiveMax = Math.Clamp(prefetch, 1, SqsDriver.MaxBatchEntries);
        _buffer = new DeliveryBuffer(prefetch, CloseAsync);
        _room = new SemaphoreSlim(prefetch);
        _deletes = new DeleteBatcher(driver.Client, queueUrl);
        _visibilitySeconds = (int)driver.Settings.VisibilityTimeout.TotalSeconds;
        _leaseRenewAfterMs = Math.Max(300, _visibilitySeconds * 1000L / 3);
        var tick = TimeSpan.FromMilliseconds(Math.Max(100, _leaseRenewAfterMs / 3));
        _leaseTimer = new Timer(_ => ExtendLeases(), null, tick, tick);
    }

    public ConsumerSpec Spec { get; }

    public string QueueUrl { get; }

    public string Queue { get; }

    /// <summary>Starts receiving; call once.</summary>
    public void Start() => _ = Task.Run(ReceiveLoopAsync);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _buffer.WaitToReadAsync(cancellationToken);

    public bool TryRead([MaybeNullWhen(false)] out Delivery delivery) => _buffer.TryRead(out delivery);

    public ValueTask DisposeAsync() => _buffer.DisposeAsync();

    internal ValueTask DeleteAsync(SqsDelivery delivery, CancellationToken cancellationToken) => _deletes.DeleteAsync(delivery.ReceiptHandle, cancellationToken);

    internal async ValueTask SetVisibilityAsync(SqsDelivery delivery, TimeSpan after, CancellationToken cancellationToken)
    {
        if (delivery.Extending is { } extending)
        {
            await extending.ConfigureAwait(false); // never throws: ExtendAsync logs its failures
        }

        await ChangeVisibilityAsync(delivery, after, cancellationToken).ConfigureAwait(false);
    }

    private async Task ChangeVisibilityAsync(SqsDelivery delivery, TimeSpan after, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(after.TotalSeconds), 0, SqsSettings.MaxVisibility.TotalSeconds);
        await _driver.Client.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest { QueueUrl = QueueUrl, ReceiptHandle = delivery.ReceiptHandle, VisibilityTimeout = seconds }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the message visible again at once; a failure leaves it to its visibility timeout (logged).</summary>
    internal async ValueTask HandBackAsync(SqsDelivery delivery)
    {
        try
        {
            await SetVisibilityAsync(delivery, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.HandBackFailed(_log, Queue, e.Message);
        }
    }

    internal void Settled(SqsDelivery delivery)
    {
        lock (_leaseLock)
        {
            if (delivery.LeaseNode is { } node)
            {
                _leases.Remove(node);
                delivery.LeaseNode = null;
                _room.Release();
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _abort.Token;
        var settings = _driver.Settings;
        try
        {
            while (Volatile.Read(ref _closed) == 0)
            {
                await _room.WaitAsync(token).ConfigureAwait(false);
                var room = 1;
                while (room < _receiveMax && _room.Wait(0))
                {
                    room++;
                }

                if (_buffer.IsClosed)
                {
                    break;
                }

                var request = new ReceiveMessageRequest
                {
                    QueueUrl = QueueUrl,
                    MaxNumberOfMessages = room,
                    WaitTimeSeconds = (int)settings.WaitTime.TotalSeconds,
                    VisibilityTimeout = _visibilitySeconds,
                    MessageAttributeNames = AllAttributes,
                    MessageSystemAttributeNames = SystemAttributes,
                };
                var response = await _driver.Client.ReceiveMessageAsync(request, token).ConfigureAwait(false);
                var received = response.Messages?.Count ?? 0;
                if (room > received)
                {
                    _room.Release(room - received);
                }

                foreach (var sqs in response.Messages ?? [])
                {
                    var message = MessageMapping.FromSqs(sqs, Spec.Topic, out var expiresAt);
                    var delivery = new SqsDelivery(message, sqs.ReceiptHandle, this) { ExpiresAt = expiresAt };
                    lock (_leaseLock)
                    {
                        delivery.LeaseNode = _leases.AddLast(delivery);
                    }

                    // A closed buffer releases it: what a receive brings after close goes straight back.
                    await _buffer.WriteAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The driver closes.
        }
        catch (Exception e)
        {
            if (e is QueueDoesNotExistException)
            {
                _driver.ForgetQueue(Spec.Topic);
            }

            if (Volatile.Read(ref _closed) == 0)
            {
                Log.ReceiveFailed(_log, Queue, settings.Target, e.Message);
                _buffer.Fail(new ConnectionLostException(SqsSettings.Scheme, $"Receiving from SQS queue {Queue} (topic '{Spec.Topic}', group '{Spec.Group}') at {settings.Target} failed: {e.Message}", e));
            }
        }
        finally
        {
            await _deletes.Complete().ConfigureAwait(false);
        }
    }

    private void ExtendLeases()
    {
        // Each extension is made and recorded on its delivery under the lease lock, and started after it: a settlement
        // (which leaves the lease list under the same lock first) then either finds it and waits for it, or was first
        // and is never extended.
        List<Task<Task>>? due = null;
        var now = Environment.TickCount64;
        lock (_leaseLock)
        {
            foreach (var delivery in _leases)
            {
                if (now - delivery.LeaseRenewedAt >= _leaseRenewAfterMs && delivery.Extending is not { IsCompleted: false })
                {
                    delivery.LeaseRenewedAt = now;
                    var extension = new Task<Task>(() => ExtendAsync(delivery));
                    delivery.Extending = extension.Unwrap();
                    (due ??= []).Add(extension);
                }
            }
        }

        foreach (var extension in due ?? [])
        {
            extension.Start(TaskScheduler.Default);
        }
    }

    private async Task ExtendAsync(SqsDelivery delivery)
    {
        try
        {
            if (!delivery.IsSettled)
            {
                await ChangeVisibilityAsync(delivery, TimeSpan.FromSeconds(_visibilitySeconds), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Log.LeaseExtensionFailed(_log, Queue, e.Message);
        }
    }

    private async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        await _leaseTimer.DisposeAsync().ConfigureAwait(false);
        _onClosed(this);
    }

    /// <summary>The driver closes: the receive under way is cancelled too.</summary>
    internal async ValueTask AbortAsync()
    {
        _abort.Cancel();
        await _buffer.DisposeAsync().ConfigureAwait(false);
    }
}
