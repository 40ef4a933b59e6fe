namespace Threadline.Cli;

/// <summary>An expected failure with its exit code: printed as a message (and hint), never as a stack trace.</summary>
internal class CliException(int exitCode, string message, string? hint = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;
}

/// <summary>A bad command line (exit code 2); the message names the argument.</summary>
internal sealed class UsageException(string message, string? hint = null) : CliException(ExitCodes.Usage, message, hint);
