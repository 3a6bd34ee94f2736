namespace Omnibus.Cli;

/// <summary>The command line asks for something invalid; the message names the input and what is allowed. Exit code 2.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
