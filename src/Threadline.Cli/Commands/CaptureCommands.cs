using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Threadline.Capture;

namespace Threadline.Cli.Commands;

/// <summary>threadline capture enable | disable | list | apply | require-actor-everywhere.</summary>
internal static class CaptureCommands
{
    public static Command Build(CliApplication app)
    {
        var capture = new Command("capture", """
            Turn row-change capture on and off per table. Capture is four triggers that write every insert, update,
            delete and truncate to the audit tables, with the actor of the transaction. Every command is idempotent
            and runs in one transaction; run them on a direct PostgreSQL connection as the table owner.
            """);
        capture.Subcommands.Add(Enable(app));
        capture.Subcommands.Add(Disable(app));
        capture.Subcommands.Add(List(app));
        capture.Subcommands.Add(Apply(app));
        capture.Subcommands.Add(RequireActorEverywhere(app));
        app.SetExamples(capture, """
              threadline capture enable --table orders --mask card_number --exclude search_vector
              threadline capture list
              threadline capture apply --file capture.json --disable-unlisted
              threadline capture disable --table orders
            """);
        return capture;
    }

    private static Command Enable(CliApplication app)
    {
        var set = new CaptureOptionSet();
        var script = new Option<bool>("--script") { Description = "Print the DDL instead of running it. Without a connection, --key is needed and the script checks the table when it runs." };
        var roles = AuditRoleOptions.OwnerOnly();
        var command = new Command("enable", """
            Enable capture on a table, or apply new options to a table already captured (rerunning with the same
            options is harmless). The key columns identify each row in the audit trail; excluded columns are never
            stored; masked columns are stored as a placeholder, and their changes are still recorded.
            """);
        set.AddTo(command);
        command.Options.Add(script);
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline capture enable --table orders
              threadline capture enable --schema sales --table invoices --mask iban --exclude pdf_blob --require-actor
              threadline capture enable --table events --key tenant_id --key event_id     # no primary key
              threadline capture enable --table orders --mask card_number --script > enable-orders.sql
              threadline capture enable --table orders --audit-schema audit --audit-owner-role audit_owner   # another install's names
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var options = set.ToOptions(context);
            var manager = new CaptureManager(context.AuditSchemaWith(roles));
            if (context.Value(script))
            {
                string sql;
                if (context.HasConnection)
                {
                    await using var db = await context.OpenAuditAsync(cancellationToken, roles);
                    sql = await manager.GetEnableScriptAsync(db, options, cancellationToken);
                }
                else if (options.KeyColumns is { Count: > 0 })
                {
                    sql = CaptureSqlGenerator.EnableScript(options, manager.Options);
                }
                else
                {
                    throw new UsageException(
                        $"--script without a database connection needs --key: name the key columns, or give --connection (or {CliEnvironment.ConnectionVariable}) so the primary key can be read.");
                }

                if (context.Json)
                {
                    context.WriteJson(new { ok = true, table = $"{options.Schema}.{options.Table}", script = sql });
                }
                else
                {
                    context.Out.WriteLine(sql.TrimEnd());
                }

                return ExitCodes.Success;
            }

            await using (var db = await context.OpenAuditAsync(cancellationToken, roles))
            {
                var captured = await manager.EnableAsync(db, options, cancellationToken);
                if (context.Json)
                {
                    context.WriteJson(new { ok = true, table = ToJson(captured) });
                }
                else
                {
                    context.Out.WriteLine($"Capture is enabled on {captured.Schema}.{captured.Table}.");
                    WriteTable(context.Out, captured);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Disable(CliApplication app)
    {
        var set = new CaptureOptionSet();
        var command = new Command("disable", "Disable capture on a table: drops its capture triggers and function. Its audit history stays.");
        set.AddTableTo(command);
        app.SetExamples(command, """
              threadline capture disable --table orders
              threadline capture disable --schema sales --table invoices
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var (schema, table) = set.TableName(context);
            var manager = new CaptureManager(context.AuditSchema);
            await using var db = await context.OpenAuditAsync(cancellationToken);
            var wasCaptured = (await manager.ListAsync(db, cancellationToken)).Any(t => t.Schema == schema && t.Table == table);
            await manager.DisableAsync(db, schema, table, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, table = $"{schema}.{table}", wasCaptured });
            }
            else
            {
                context.Out.WriteLine(wasCaptured
                    ? $"Capture is disabled on {schema}.{table}; its audit history stays."
                    : $"{schema}.{table} was not captured; any stray capture triggers on it were removed.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliApplication app)
    {
        var command = new Command("list", "List the captured tables with their options, and whether all four capture triggers are in place.");
        app.SetExamples(command, """
              threadline capture list
              threadline capture list --json | jq '.tables[] | select(.active | not)'
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var manager = new CaptureManager(context.AuditSchema);
            await using var db = await context.OpenAuditAsync(cancellationToken);
            var tables = await manager.ListAsync(db, cancellationToken);
            bool? everywhere;
            try
            {
                everywhere = await manager.GetRequireActorEverywhereAsync(db, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                everywhere = null; // schema version 1 has no settings table
            }
            if (context.Json)
            {
                context.WriteJson(new { ok = true, requireActorEverywhere = everywhere, tables = tables.Select(ToJson) });
                return ExitCodes.Success;
            }

            if (tables.Count == 0)
            {
                context.Out.WriteLine("No table is captured. Enable capture with 'threadline capture enable --table <name>'.");
            }

            foreach (var table in tables)
            {
                context.Out.WriteLine($"{table.Schema}.{table.Table}{(table.IsActive ? "" : "   <-- NOT ACTIVE: run 'threadline verify coverage' for details")}");
                WriteTable(context.Out, table);
            }

            context.Out.WriteLine($"{tables.Count} captured table{(tables.Count == 1 ? "" : "s")}; require an actor everywhere: {everywhere switch { true => "on", false => "off", null => "n/a (schema version 1)" }}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Apply(CliApplication app)
    {
        var file = new Option<FileInfo>("--file") { Description = "JSON file with the tables to capture: an array of tables, or an appsettings-style file holding Threadline:Capture:Tables.", HelpName = "path", Required = true };
        var disableUnlisted = new Option<bool>("--disable-unlisted") { Description = "Also disable capture on captured tables that the file does not list." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change, table by table and why (option differences, column drift, missing triggers), and change nothing. Exit code 0 whether or not changes are pending; a file the catalog refuses exits 4 as without --dry-run." };
        var roles = AuditRoleOptions.OwnerOnly();
        var command = new Command("apply", """
            Converge capture to a file: enable new tables, apply changed options, and with --disable-unlisted disable
            tables no longer listed. Every entry is validated against the catalog before anything changes. The file
            has the shape of the Threadline:Capture:Tables configuration section:

              [ { "Schema": "public", "Table": "orders", "Mask": ["card_number"] },
                { "Table": "events", "KeyColumns": ["tenant_id", "event_id"], "RequireActor": true } ]

            Properties: Schema (default public), Table, KeyColumns, Exclude, Mask, MaskPlaceholder, RequireActor, AllowAnonymous,
            RecordNoOpUpdates; names are case-insensitive. {"Threadline":{"Capture":{"Tables":[...]}}} (a whole
            appsettings.json) and {"Tables":[...]} are accepted too. With --dry-run, prints the plan (enable, change,
            refresh, unchanged, disable, each with its reasons) and changes nothing.
            """)
        { file, disableUnlisted, dryRun };
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline capture apply --file capture.json --dry-run
              threadline capture apply --file capture.json
              threadline capture apply --file src/Api/appsettings.json --disable-unlisted
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var desired = CaptureFile.Read(context.Value(file)!);
            var manager = new CaptureManager(context.AuditSchemaWith(roles));
            await using var db = await context.OpenAuditAsync(cancellationToken, roles);
            if (context.Value(dryRun))
            {
                WritePlan(context, await manager.PlanAsync(db, desired, context.Value(disableUnlisted), cancellationToken));
                return ExitCodes.Success;
            }

            var result = await manager.ApplyAsync(db, desired, context.Value(disableUnlisted), cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, enabled = result.Enabled, changed = result.Changed, unchanged = result.Unchanged, disabled = result.Disabled });
            }
            else
            {
                context.Out.WriteLine($"Enabled:   {Names(result.Enabled)}");
                context.Out.WriteLine($"Changed:   {Names(result.Changed)}");
                context.Out.WriteLine($"Unchanged: {Names(result.Unchanged)}");
                context.Out.WriteLine($"Disabled:  {Names(result.Disabled)}{(context.Value(disableUnlisted) ? "" : " (unlisted tables are kept; --disable-unlisted disables them)")}");
            }

            return ExitCodes.Success;
        });
        return command;

        static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "-" : string.Join(", ", names);
    }

    private static void WritePlan(CliContext context, IReadOnlyList<CapturePlanEntry> plan)
    {
        static string Action(CapturePlanAction action) => action.ToString().ToLowerInvariant();
        var pending = plan.Count(e => e.Action != CapturePlanAction.Unchanged);
        if (context.Json)
        {
            context.WriteJson(new { ok = true, dryRun = true, pending, tables = plan.Select(e => new { table = e.Table, action = Action(e.Action), reasons = e.Reasons }) });
            return;
        }

        context.Out.WriteLine("Dry run: nothing was changed.");
        foreach (var entry in plan)
        {
            context.Out.WriteLine($"  {Action(entry.Action),-9} {entry.Table}");
            foreach (var reason in entry.Reasons)
            {
                context.Out.WriteLine($"            - {reason}");
            }
        }

        context.Out.WriteLine(pending == 0 ? "Nothing to change." : $"{pending} table{(pending == 1 ? "" : "s")} would change; run without --dry-run to apply.");
    }

    private static Command RequireActorEverywhere(CliApplication app)
    {
        var state = new Argument<string>("on|off") { Description = "on: every captured table rejects writes without an actor, whatever its own option; off: each table's own option decides." };
        state.AcceptOnlyFromAmong("on", "off");
        var command = new Command("require-actor-everywhere", "Turn strict attribution on or off for every captured table at once (schema version 2 or later).") { state };
        app.SetExamples(command, """
              threadline capture require-actor-everywhere on
              threadline capture require-actor-everywhere off
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var on = context.Value(state) == "on";
            await using var db = await context.OpenAuditAsync(cancellationToken);
            await new CaptureManager(context.AuditSchema).SetRequireActorEverywhereAsync(db, on, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, requireActorEverywhere = on });
            }
            else
            {
                context.Out.WriteLine(on
                    ? "Every captured table now rejects writes whose transaction carries no actor."
                    : "Require-actor-everywhere is off: each table's own --require-actor option decides.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    internal static object ToJson(CapturedTable table) => new
    {
        schema = table.Schema,
        table = table.Table,
        function = table.FunctionName,
        keyColumns = table.KeyColumns,
        exclude = table.Options.Exclude,
        mask = table.Options.Mask,
        maskPlaceholder = table.Options.MaskPlaceholder,
        requireActor = table.Options.RequireActor,
        allowAnonymous = table.Options.AllowAnonymous,
        recordNoOpUpdates = table.Options.RecordNoOpUpdates,
        activeTriggers = table.ActiveTriggers,
        active = table.IsActive,
        enabledAt = table.EnabledAt,
        optionsChangedAt = table.OptionsChangedAt,
    };

    internal static void WriteTable(TextWriter output, CapturedTable table)
    {
        output.WriteLine($"  key:        {string.Join(", ", table.KeyColumns)}");
        if (table.Options.Exclude.Count > 0)
        {
            output.WriteLine($"  excluded:   {string.Join(", ", table.Options.Exclude)}");
        }

        if (table.Options.Mask.Count > 0)
        {
            output.WriteLine($"  masked:     {string.Join(", ", table.Options.Mask)} (as {table.Options.MaskPlaceholder})");
        }

        output.WriteLine($"  options:    require actor {(table.Options.RequireActor ? (table.Options.AllowAnonymous ? "yes (anonymous allowed)" : "yes") : "no")}, record no-op updates {(table.Options.RecordNoOpUpdates ? "yes" : "no")}");
        output.WriteLine($"  triggers:   {table.ActiveTriggers}/{CaptureSqlGenerator.TriggerNames.Count} active{(table.IsActive ? "" : " (capture is NOT whole)")}");
        output.WriteLine($"  enabled at: {table.EnabledAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}; options changed {table.OptionsChangedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}");
    }
}

/// <summary>Reads the capture configuration file of <c>capture apply</c>; every mistake is a usage error naming the entry.</summary>
internal static class CaptureFile
{
    private static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static IReadOnlyList<TableCaptureOptions> Read(FileInfo file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read --file {file}: {ex.Message}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--file {file} is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var (tables, path) = FindTables(document.RootElement)
                ?? throw new UsageException($"--file {file} holds no table list: write an array of tables, {{\"Tables\": [...]}} or {{\"Threadline\": {{\"Capture\": {{\"Tables\": [...]}}}}}}.");
            var result = new List<TableCaptureOptions>();
            var index = 0;
            foreach (var element in tables.EnumerateArray())
            {
                var where = $"{path}[{index++}]";
                TableCaptureSettings settings;
                try
                {
                    settings = element.Deserialize<TableCaptureSettings>(Strict)
                        ?? throw new UsageException($"--file {file}: {where} is null; each entry is an object with at least \"Table\".");
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"--file {file}: {where} is not a valid table entry: {ex.Message}", "Properties: Schema, Table, KeyColumns, Exclude, Mask, MaskPlaceholder, RequireActor, AllowAnonymous, RecordNoOpUpdates.");
                }

                try
                {
                    result.Add(settings.ToOptions());
                }
                catch (CaptureException ex)
                {
                    throw new UsageException($"--file {file}: {where}: {ex.Message}");
                }
            }

            return result;
        }
    }

    private static (JsonElement Tables, string Path)? FindTables(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return (root, "$");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Property(root, "Tables") is { ValueKind: JsonValueKind.Array } tables)
        {
            return (tables, "$.Tables");
        }

        if (Property(root, "Threadline") is { ValueKind: JsonValueKind.Object } threadline
            && Property(threadline, "Capture") is { ValueKind: JsonValueKind.Object } capture
            && Property(capture, "Tables") is { ValueKind: JsonValueKind.Array } nested)
        {
            return (nested, "$.Threadline.Capture.Tables");
        }

        return null;
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.EnumerateObject().Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();
}
