namespace Threadline.Cli;

/// <summary>What the process gives a run: environment variables and the raw standard output (for export to '-').</summary>
/// <param name="GetVariable">Reads an environment variable; <see langword="null"/> when it is not set.</param>
/// <param name="OpenStandardOutput">Opens the raw standard output, for binary-safe exports to <c>-</c>.</param>
/// <param name="HandleTermination">Let Ctrl+C / SIGTERM cancel the running command (the real process only).</param>
internal sealed record CliEnvironment(Func<string, string?> GetVariable, Func<Stream> OpenStandardOutput, bool HandleTermination = false)
{
    public const string ConnectionVariable = "THREADLINE_CONNECTION";

    /// <summary>The audit schema's name when --audit-schema is not given.</summary>
    public const string AuditSchemaVariable = "THREADLINE_AUDIT_SCHEMA";

    /// <summary>Shows stack traces for unexpected errors when set to 1 or true.</summary>
    public const string DebugVariable = "THREADLINE_DEBUG";

    public bool Debug => GetVariable(DebugVariable) is "1" or "true";
}
