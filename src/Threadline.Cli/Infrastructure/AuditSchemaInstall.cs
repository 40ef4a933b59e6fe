namespace Threadline.Cli;

/// <summary>A Threadline install found in the catalog: its schema, the owner of its tables, the roles with USAGE on it.</summary>
internal sealed record AuditSchemaInstall(string Schema, string Owner, IReadOnlyList<string> UsageRoles);
