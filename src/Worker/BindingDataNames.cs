namespace Omnibus.Worker;

/// <summary>
/// The names under which the host passes a trigger message's details as binding data
/// (<c>FunctionContext.BindingContext.BindingData</c>). A batch trigger gets each as a JSON array, one entry per
/// message, under the name with <see cref="ArraySuffix"/>.
/// </summary>
public static class BindingDataNames
{
    /// <summary>The message id.</summary>
    public const string MessageId = "MessageId";

    /// <summary>The key (absent when the message has none).</summary>
    public const string Key = "Key";

    /// <summary>The topic it was delivered from.</summary>
    public const string Topic = "Topic";

    /// <summary>The delivery attempt, 1 for the first.</summary>
    public const string DeliveryAttempt = "DeliveryAttempt";

    /// <summary>The headers, as a JSON object of strings.</summary>
    public const string Headers = "Headers";

    /// <summary>When it was published (ISO 8601).</summary>
    public const string EnqueuedTime = "EnqueuedTime";

    /// <summary>The suffix of a batch's per-message arrays (<c>MessageIdArray</c>, <c>KeyArray</c>, ...).</summary>
    public const string ArraySuffix = "Array";
}
