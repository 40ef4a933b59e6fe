using System.CommandLine;
using Threadline.Schema;

namespace Threadline.Cli;

/// <summary>
/// --audit-schema: the schema Threadline was installed in (ThreadlineSchemaOptions.Schema), on every command, with
/// THREADLINE_AUDIT_SCHEMA as its fallback and <c>threadline</c> as its default.
/// </summary>
internal static class AuditSchemaOption
{
    public const string Name = "--audit-schema";

    public static string Default => ThreadlineSchemaOptions.Default.Schema;

    public static Option<string?> Create()
    {
        var option = Options.Identifier(
            Name,
            $"The schema Threadline is installed in; default: the {CliEnvironment.AuditSchemaVariable} environment variable, else {Default}. Give it when the audit schema was installed under another name.",
            problemOf: Problem);
        option.Recursive = true;
        return option;
    }

    /// <summary>Why a name cannot be the audit schema; null when it can.</summary>
    public static string? Problem(string text) =>
        Options.IdentifierProblem(text)
        ?? (text is "public" or "information_schema"
            // Installing revokes every privilege on the audit schema from PUBLIC: the application's own schema must not be it.
            ? $"the audit schema must be a dedicated schema, not {text}"
            : null);
}
