using System.CommandLine;
using Threadline.Schema;

namespace Threadline.Cli.Commands;

/// <summary>threadline schema install | script | version.</summary>
internal static class SchemaCommands
{
    public static Command Build(CliApplication app)
    {
        var latest = SchemaInstaller.LatestVersion;
        var schema = new Command("schema", """
            Install, upgrade and inspect the Threadline audit schema: the threadline schema, its tables, roles and
            capture functions. Versioned and idempotent; upgrades keep every audit row and captured table. Run it on a
            direct PostgreSQL connection (not through PgBouncer) as a role that may create schemas and roles.
            """);
        schema.Subcommands.Add(Install(app, latest));
        schema.Subcommands.Add(Script(app, latest));
        schema.Subcommands.Add(Version(app, latest));
        app.SetExamples(schema, """
              threadline schema install
              threadline schema install --dry-run > upgrade.sql
              threadline schema script --from 12 > functions.sql
              threadline schema version --json
            """);
        return schema;
    }

    private static Command Install(CliApplication app, int latest)
    {
        var dryRun = new Option<bool>("--dry-run", "--script") { Description = "Print the SQL that would bring this database from its installed version to the latest, and change nothing." };
        var roles = AuditRoleOptions.All();
        var command = new Command("install", $"""
            Install the audit schema, or upgrade it to version {latest}, and (re-)apply the current definition of every
            function. One transaction under an advisory lock: safe to run concurrently and repeatedly. A database at a
            pre-release version (before {SchemaInstaller.BaselineVersion}) is refused. --audit-schema and the
            --audit-*-role options name the schema and roles (default: threadline and threadline_*); an existing
            install is only upgraded with the names it was installed with.
            """)
        { dryRun };
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline schema install --connection "Host=db;Database=app;Username=owner"
              threadline schema install --dry-run          # review the upgrade SQL first
              threadline schema install --audit-schema audit --audit-owner-role audit_owner --audit-reader-role audit_reader --audit-retention-role audit_retention --audit-writer-role audit_writer
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var schemaOptions = context.AuditSchemaWith(roles);
            var installer = new SchemaInstaller(schemaOptions);
            await using var db = await context.OpenAsync(cancellationToken);
            await AuditSchemaGuard.CheckInstallTargetAsync(db, context, roles, cancellationToken);
            if (context.Value(dryRun))
            {
                var installed = await installer.GetInstalledVersionAsync(db, cancellationToken);
                if (installed > latest)
                {
                    throw new CliException(ExitCodes.Refused, $"The database has Threadline schema version {installed}, newer than this tool knows ({latest}).", "Upgrade the threadline tool.");
                }

                if (installed is > 0 and < SchemaInstaller.BaselineVersion)
                {
                    throw new CliException(ExitCodes.Refused, PreReleaseMessage(installed, schemaOptions.Schema), PreReleaseHint);
                }

                var script = installer.GetScript(installed);
                if (context.Json)
                {
                    context.WriteJson(new { ok = true, dryRun = true, auditSchema = schemaOptions.Schema, installedVersion = installed, targetVersion = latest, script });
                }
                else
                {
                    context.Out.Write(script);
                    context.Err.WriteLine(installed == latest
                        ? $"Dry run: the database is at version {latest}; this is the SQL that re-applies the function definitions; nothing was applied. Run without --dry-run to apply it."
                        : $"Dry run: this is the SQL from version {installed} to {latest}; nothing was applied. Run without --dry-run to apply it.");
                }

                return ExitCodes.Success;
            }

            var result = await installer.InstallAsync(db, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, auditSchema = schemaOptions.Schema, previousVersion = result.PreviousVersion, currentVersion = result.CurrentVersion, applied = result.Applied });
            }
            else if (result.Applied.Count == 0)
            {
                context.Out.WriteLine($"The Threadline schema is already at version {result.CurrentVersion} in schema {schemaOptions.Schema}; the function definitions were re-applied, nothing else to apply.");
            }
            else
            {
                context.Out.WriteLine(result.PreviousVersion == 0
                    ? $"Installed the Threadline schema, version {result.CurrentVersion} (applied {string.Join(", ", result.Applied)}), in schema {schemaOptions.Schema}."
                    : $"Upgraded the Threadline schema from version {result.PreviousVersion} to {result.CurrentVersion} (applied {string.Join(", ", result.Applied)}) in schema {schemaOptions.Schema}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private const string PreReleaseHint = "Export any audit history you need, drop the audit schema and run 'threadline schema install' again.";

    private static string PreReleaseMessage(int installed, string schema) =>
        $"The database has Threadline schema version {installed} in schema {schema}, a pre-release layout: versions 1 to {SchemaInstaller.BaselineVersion - 1} were never released, and this tool installs and upgrades from version {SchemaInstaller.BaselineVersion} on.";

    private static Command Script(CliApplication app, int latest)
    {
        var from = Options.WholeNumber("--from", $"The version the database is at: 0 = not installed (the default), or {SchemaInstaller.BaselineVersion} to {latest}.", 0, latest);
        var roles = AuditRoleOptions.All();
        var command = new Command("script", $"""
            Print the SQL that installs the audit schema or upgrades it from an installed version to version {latest},
            for review or for another migration tool (Flyway, Liquibase, EF Core migrations, plain psql). It always
            ends with the current definition of every function, so --from {latest} prints just those. Needs no
            database connection.
            """)
        { from };
        roles.AddTo(command);
        app.SetExamples(command, $"""
              threadline schema script > threadline.sql
              threadline schema script --from {latest} | psql "$DIRECT_URL"
              threadline schema script --audit-schema audit > audit.sql
            """);
        app.SetHandler(command, (context, _) =>
        {
            var fromVersion = context.Value(from) ?? 0;
            if (fromVersion is > 0 and < SchemaInstaller.BaselineVersion)
            {
                throw new UsageException($"--from {fromVersion}: versions 1 to {SchemaInstaller.BaselineVersion - 1} were never released, and a script starts from 0 (not installed) or from {SchemaInstaller.BaselineVersion} to {latest}.");
            }

            var toVersion = latest;
            var script = new SchemaInstaller(context.AuditSchemaWith(roles)).GetScript(fromVersion);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, fromVersion, toVersion, script });
            }
            else
            {
                context.Out.Write(script);
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command Version(CliApplication app, int latest)
    {
        var command = new Command("version", "Show the installed audit schema version and the latest this tool knows.");
        app.SetExamples(command, """
              threadline schema version
              threadline schema version --json | jq .installedVersion
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var schema = context.AuditSchema.Schema;
            await using var db = await context.OpenAsync(cancellationToken);
            var installed = await new SchemaInstaller(context.AuditSchema).GetInstalledVersionAsync(db, cancellationToken);
            var elsewhere = installed == 0 ? await AuditSchemaGuard.OtherInstallsAsync(db, schema, cancellationToken) : [];
            if (context.Json)
            {
                context.WriteJson(new { ok = true, auditSchema = schema, installedVersion = installed, latestVersion = latest, upToDate = installed >= latest, database = db.Database, installedInOtherSchemas = elsewhere });
            }
            else
            {
                context.Out.WriteLine(installed switch
                {
                    0 when elsewhere.Count > 0 => $"The Threadline schema is not installed in schema {schema} ({context.AuditSchemaSource}) of database {db.Database}, but in schema {string.Join(", ", elsewhere)}: give {AuditSchemaOption.Name} {elsewhere[0]}.",
                    0 => $"The Threadline schema is not installed in schema {schema} of database {db.Database} (latest version: {latest}). Run 'threadline schema install'.",
                    _ when installed < SchemaInstaller.BaselineVersion => PreReleaseMessage(installed, schema) + " " + PreReleaseHint,
                    _ when installed < latest => $"Threadline schema version {installed} is installed in schema {schema} of database {db.Database}; version {latest} is available: run 'threadline schema install' to upgrade.",
                    _ when installed > latest => $"Threadline schema version {installed} is installed in schema {schema} of database {db.Database}, newer than this tool knows ({latest}): upgrade the tool.",
                    _ => $"Threadline schema version {installed} is installed in schema {schema} of database {db.Database} (up to date).",
                });
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
