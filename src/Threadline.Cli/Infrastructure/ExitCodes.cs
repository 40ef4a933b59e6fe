namespace Threadline.Cli;

/// <summary>The exit codes of every command; docs/cli.md and the --help epilogue list them.</summary>
internal static class ExitCodes
{
    /// <summary>Success; the check passed (healthy, covered, safe, ready).</summary>
    public const int Success = 0;

    /// <summary>The command ran and its check failed: a required table is uncovered, the topology is unsafe, a table is not ready.</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad command line: unknown option, missing or malformed value, invalid filter. Nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>The database could not be reached or refused the login.</summary>
    public const int Unreachable = 3;

    /// <summary>The database or Threadline refused the operation (permissions, a table without a key, schema missing...).</summary>
    public const int Refused = 4;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;

    /// <summary>An unexpected internal error: a bug; the message says what happened.</summary>
    public const int Internal = 70;

    public const string HelpText = """
        Exit codes:
          0    success: done, healthy, covered, safe or ready
          1    check failed: a required table has a coverage problem, the topology is unsafe, a table is not ready
          2    usage error: unknown option, bad value, invalid filter (the message names the argument); nothing was done
          3    database unreachable, or authentication failed
          4    refused by the database or by Threadline (the message and hint say why); nothing was changed by the failed step
          70   unexpected internal error (a bug: set THREADLINE_DEBUG=1 for the stack trace and report it)
          130  interrupted (Ctrl+C)
        """;
}
