namespace Omnibus;

/// <summary>
/// Wraps a handler: returns a handler that does something before and/or after calling <c>next</c>. Registered in
/// <see cref="BrokerClientOptions.Middleware"/>, the first entry is the outermost. Throwing from the returned handler
/// rejects the message like a failing handler does.
/// </summary>
public delegate MessageHandler HandlerMiddleware(MessageHandler next, SubscriptionOptions subscription);
