using Npgsql;
using Threadline.Schema;

namespace Threadline.Cli;

/// <summary>
/// Checks the audit schema a command is about to use against the catalog, so that a wrong or missing --audit-schema
/// (or role option) is refused with a message naming it, instead of failing on the first statement, or worse, working
/// on a second install or with the wrong roles.
/// </summary>
internal static class AuditSchemaGuard
{
    // Catalog only, readable by every role: a schema holding both schema_versions and captured_tables is an install.
    private const string InstallsSql = """
        SELECT n.nspname::text,
               pg_catalog.pg_get_userbyid(t.relowner)::text,
               ARRAY(SELECT pg_catalog.pg_get_userbyid(a.grantee)::text FROM pg_catalog.aclexplode(n.nspacl) a
                      WHERE a.privilege_type = 'USAGE' ORDER BY 1)
          FROM pg_catalog.pg_namespace n
          JOIN pg_catalog.pg_class t ON t.relnamespace = n.oid AND t.relname = 'captured_tables' AND t.relkind IN ('r', 'p')
         WHERE EXISTS (SELECT FROM pg_catalog.pg_class v
                        WHERE v.relnamespace = n.oid AND v.relname = 'schema_versions' AND v.relkind IN ('r', 'p'))
         ORDER BY 1
        """;

    /// <summary>Refuses unless the audit schema is installed; with <paramref name="roles"/>, unless its roles match too.</summary>
    public static async Task RequireInstalledAsync(NpgsqlConnection db, CliContext context, AuditRoleOptions? roles, CancellationToken cancellationToken)
    {
        var options = context.AuditSchemaWith(roles);
        var installs = await FindInstallsAsync(db, cancellationToken);
        var install = installs.FirstOrDefault(i => i.Schema == options.Schema) ?? throw NotInstalled(context, db.Database, options.Schema, installs);
        if (roles is not null)
        {
            CheckRoles(install, options, roles.HasGroupRoles);
        }
    }

    /// <summary>
    /// Before schema install: an existing install under this name must have the given roles (installing re-creates its
    /// owner grants); without one, no other schema of the database may hold Threadline already.
    /// </summary>
    public static async Task CheckInstallTargetAsync(NpgsqlConnection db, CliContext context, AuditRoleOptions roles, CancellationToken cancellationToken)
    {
        var options = context.AuditSchemaWith(roles);
        var installs = await FindInstallsAsync(db, cancellationToken);
        if (installs.FirstOrDefault(i => i.Schema == options.Schema) is { } install)
        {
            CheckRoles(install, options, groupRoles: true);
            return;
        }

        if (installs.Count > 0)
        {
            throw new CliException(
                ExitCodes.Refused,
                $"Threadline is already installed in schema {Names(installs)} of database {db.Database}; installing it again under \"{options.Schema}\" ({context.AuditSchemaSource}) would split the audit trail in two. Nothing was changed.",
                UseHint(installs));
        }
    }

    /// <summary>Schemas other than the audit schema that hold a Threadline install (for schema version's hint).</summary>
    public static async Task<IReadOnlyList<string>> OtherInstallsAsync(NpgsqlConnection db, string schema, CancellationToken cancellationToken) =>
        (await FindInstallsAsync(db, cancellationToken)).Where(i => i.Schema != schema).Select(i => i.Schema).ToArray();

    private static async Task<IReadOnlyList<AuditSchemaInstall>> FindInstallsAsync(NpgsqlConnection db, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InstallsSql, db);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var installs = new List<AuditSchemaInstall>();
        while (await reader.ReadAsync(cancellationToken))
        {
            installs.Add(new AuditSchemaInstall(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
        }

        return installs;
    }

    private static CliException NotInstalled(CliContext context, string database, string schema, IReadOnlyList<AuditSchemaInstall> installs)
    {
        var elsewhere = installs.Count == 0 ? "" : $" Threadline is installed there in schema {Names(installs)}.";
        var hint = installs.Count > 0
            ? UseHint(installs)
            : $"Install it with 'threadline schema install{(schema == AuditSchemaOption.Default ? "" : $" {AuditSchemaOption.Name} {schema}")}' on a direct connection, or give {AuditSchemaOption.Name} (or {CliEnvironment.AuditSchemaVariable}) the schema Threadline was installed in.";
        return new CliException(ExitCodes.Refused, $"The audit schema \"{schema}\" ({context.AuditSchemaSource}) is not installed in database {database}.{elsewhere}", hint);
    }

    private static void CheckRoles(AuditSchemaInstall install, ThreadlineSchemaOptions options, bool groupRoles)
    {
        if (install.Owner != options.OwnerRole)
        {
            throw new CliException(
                ExitCodes.Refused,
                $"The audit schema \"{install.Schema}\" belongs to role {install.Owner}, not to {options.OwnerRole}: what this command creates would be owned by a role that cannot write the audit tables. Nothing was changed.",
                $"Give --audit-owner-role {install.Owner}, the owner role the schema was installed with.");
        }

        if (!groupRoles)
        {
            return;
        }

        (string Option, string Role)[] groups = [("--audit-reader-role", options.ReaderRole), ("--audit-retention-role", options.RetentionRole), ("--audit-writer-role", options.WriterRole)];
        var missing = groups.Where(g => !install.UsageRoles.Contains(g.Role, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0)
        {
            throw new CliException(
                ExitCodes.Refused,
                $"The audit schema \"{install.Schema}\" was installed with other roles: {string.Join(", ", missing.Select(g => g.Role))} {(missing.Length == 1 ? "has" : "have")} no USAGE on it (roles that have: {string.Join(", ", install.UsageRoles.Where(r => r != install.Owner))}). Nothing was changed.",
                $"Give {string.Join(", ", missing.Select(g => g.Option))} the role names the schema was installed with.");
        }
    }

    private static string Names(IReadOnlyList<AuditSchemaInstall> installs) => string.Join(", ", installs.Select(i => $"\"{i.Schema}\""));

    private static string UseHint(IReadOnlyList<AuditSchemaInstall> installs) => installs.Count == 1
        ? $"Give {AuditSchemaOption.Name} {installs[0].Schema} (or set {CliEnvironment.AuditSchemaVariable}={installs[0].Schema})."
        : $"Give {AuditSchemaOption.Name} (or set {CliEnvironment.AuditSchemaVariable}) to the one to use.";
}
