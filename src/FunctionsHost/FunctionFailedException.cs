using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.FunctionsHost;

/// <summary>The worker reported a failed invocation: the function threw, or its input could not be converted.</summary>
public sealed class FunctionFailedException : Exception
{
    internal FunctionFailedException(string function, RpcException? error)
        : base($"{function} failed: {(string.IsNullOrEmpty(error?.Type) ? string.Empty : error.Type + ": ")}{error?.Message ?? "no error reported"}") => Function = function;

    /// <summary>The function's name.</summary>
    public string Function { get; }
}
