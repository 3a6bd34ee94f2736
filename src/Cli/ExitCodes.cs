namespace Omnibus.Cli;

/// <summary>What the <c>omnibus</c> process returns; listed in <c>omnibus --help</c> and src/Cli/README.md.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed: broker unreachable, publish refused, port taken, too few messages before --timeout.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown option, bad value, bad connection string, or a feature the driver lacks.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C or SIGTERM) before finishing; <c>server</c> and <c>sub</c> stop with 0 instead.</summary>
    public const int Interrupted = 130;

    /// <summary>The text shown after the root command's help.</summary>
    public const string Description =
        "Exit codes: 0 done; 1 failed (broker unreachable, publish refused, port taken, --timeout before --count); "
        + "2 bad command line (option, value, connection string, or a feature the driver lacks); "
        + "130 interrupted (server and sub stop with 0 on Ctrl+C).";
}
