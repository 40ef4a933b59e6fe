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
              threadline schema script --from 1 > upgrade-from-1.sql
              threadline schema version --json
            """);
        return schema;
    }

    private static Command Install(CliApplication app, int latest)
    {
        var toVersion = Options.WholeNumber("--to-version", $"Stop at this schema version (1 to {latest}); default: the latest. Downgrades are not supported.", 1, latest);
        var dryRun = new Option<bool>("--dry-run", "--script") { Description = "Print the SQL that would bring this database from its installed version to the target, and change nothing." };
        var roles = AuditRoleOptions.All();
        var command = new Command("install", $"""
            Install the audit schema, or upgrade it to version {latest} (or --to-version). One transaction under an
            advisory lock: safe to run concurrently and repeatedly; a database already at the target is left alone.
            --audit-schema and the --audit-*-role options name the schema and roles (default: threadline and
            threadline_*); an existing install is only upgraded with the names it was installed with.
            """)
        { toVersion, dryRun };
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline schema install --connection "Host=db;Database=app;Username=owner"
              threadline schema install --to-version 1
              threadline schema install --dry-run          # review the upgrade SQL first
              threadline schema install --audit-schema audit --audit-owner-role audit_owner --audit-reader-role audit_reader --audit-retention-role audit_retention --audit-writer-role audit_writer
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var target = context.Value(toVersion);
            var schemaOptions = context.AuditSchemaWith(roles);
            var installer = new SchemaInstaller(schemaOptions);
            await using var db = await context.OpenAsync(cancellationToken);
            await AuditSchemaGuard.CheckInstallTargetAsync(db, context, roles, cancellationToken);
            if (context.Value(dryRun))
            {
                var installed = await installer.GetInstalledVersionAsync(db, cancellationToken);
                var to = target ?? latest;
                if (installed > latest)
                {
                    throw new CliException(ExitCodes.Refused, $"The database has Threadline schema version {installed}, newer than this tool knows ({latest}).", "Upgrade the threadline tool.");
                }

                var script = installed >= to ? null : installer.GetScript(installed, to);
                if (context.Json)
                {
                    context.WriteJson(new { ok = true, dryRun = true, auditSchema = schemaOptions.Schema, installedVersion = installed, targetVersion = to, script });
                }
                else
                {
                    context.Out.Write(script ?? $"-- The database is at Threadline schema version {installed}; nothing to apply for target version {to}.{Environment.NewLine}");
                    context.Err.WriteLine($"Dry run: this is the SQL from version {installed} to {Math.Max(installed, to)}; nothing was applied. Run without --dry-run to apply it.");
                }

                return ExitCodes.Success;
            }

            var result = await installer.InstallAsync(db, target, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, auditSchema = schemaOptions.Schema, previousVersion = result.PreviousVersion, currentVersion = result.CurrentVersion, applied = result.Applied });
            }
            else if (result.Applied.Count == 0)
            {
                context.Out.WriteLine($"The Threadline schema is already at version {result.CurrentVersion} in schema {schemaOptions.Schema}; nothing to apply.");
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

    private static Command Script(CliApplication app, int latest)
    {
        var from = Options.WholeNumber("--from", $"The version the database is at (0 = not installed, the default).", 0, latest);
        var to = Options.WholeNumber("--to", $"The version to reach (1 to {latest}); default: the latest.", 1, latest);
        var roles = AuditRoleOptions.All();
        var command = new Command("script", """
            Print the SQL that upgrades the audit schema from one version to another, for review or for another
            migration tool (Flyway, Liquibase, EF Core migrations, plain psql). Needs no database connection.
            """)
        { from, to };
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline schema script > threadline.sql
              threadline schema script --from 1 --to 2 | psql "$DIRECT_URL"
              threadline schema script --audit-schema audit > audit.sql
            """);
        app.SetHandler(command, (context, _) =>
        {
            var fromVersion = context.Value(from) ?? 0;
            var toVersion = context.Value(to) ?? latest;
            if (fromVersion > toVersion)
            {
                throw new UsageException($"--from {fromVersion} is after --to {toVersion}: a script only upgrades (downgrades are not supported).");
            }

            var script = new SchemaInstaller(context.AuditSchemaWith(roles)).GetScript(fromVersion, toVersion);
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
