using System.Diagnostics;

namespace Omnibus.Diagnostics;

/// <summary>Starts producer and consumer activities and carries W3C trace context in message headers.</summary>
internal static class MessageTracing
{
    /// <summary>Starts a producer span for a publish and writes its context into the message's headers. Null when nobody listens.</summary>
    public static Activity? StartPublish(string system, string topic, Message message)
    {
        if (!OmnibusTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = OmnibusTelemetry.Source.StartActivity("send " + topic, ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("messaging.system", system);
        activity.SetTag("messaging.operation.type", "send");
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.message.id", message.Id);
        if (message.Key is not null)
        {
            activity.SetTag("messaging.message.key", message.Key);
        }

        Inject(activity, message);
        return activity;
    }

    /// <summary>Starts a consumer span whose parent is the trace context found in the message's headers. Null when nobody listens.</summary>
    public static Activity? StartProcess(string system, string group, Message message)
    {
        if (!OmnibusTelemetry.Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(message.GetHeader(HeaderNames.TraceParent), message.GetHeader(HeaderNames.TraceState), isRemote: true, out var parent);
        var activity = OmnibusTelemetry.Source.StartActivity("process " + message.Topic, ActivityKind.Consumer, parent);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("messaging.system", system);
        activity.SetTag("messaging.operation.type", "process");
        activity.SetTag("messaging.destination.name", message.Topic);
        activity.SetTag("messaging.consumer.group.name", group);
        activity.SetTag("messaging.message.id", message.Id);
        activity.SetTag("messaging.message.delivery_attempt", message.DeliveryAttempt);
        return activity;
    }

    /// <summary>Records a failure on the span.</summary>
    public static void Fail(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.SetTag("error.type", error.GetType().FullName);
    }

    private static void Inject(Activity activity, Message message)
    {
        message.Headers[HeaderNames.TraceParent] = activity.Id!;
        if (activity.TraceStateString is { } state)
        {
            message.Headers[HeaderNames.TraceState] = state;
        }
    }
}
