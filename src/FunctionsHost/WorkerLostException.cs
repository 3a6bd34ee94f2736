namespace Omnibus.FunctionsHost;

/// <summary>The worker process ended, or closed its stream, before it answered: the invocation's outcome is unknown,
/// so its message is not acknowledged (it is redelivered).</summary>
public sealed class WorkerLostException(string message) : Exception(message);
