using System.CommandLine;
using Threadline.Capture;

namespace Threadline.Cli.Commands;

/// <summary>The options that say how one table is captured, shared by capture enable and continuity.</summary>
internal sealed class CaptureOptionSet
{
    public Option<string> Table { get; } = new("--table") { Description = "The table (case-sensitive, unquoted name); schema.table is accepted when --schema is not given.", HelpName = "name", Required = true };

    public Option<string> Schema { get; } = new("--schema") { Description = "The table's schema.", HelpName = "name", DefaultValueFactory = _ => "public" };

    public Option<string[]> Keys { get; } = Options.Repeated("--key", "A key column that identifies a row (repeat for a composite key); default: the primary key. Required for a table without one.", "column");

    public Option<string[]> Exclude { get; } = Options.Repeated("--exclude", "A column never stored in audit rows, not even as changed (repeatable).", "column");

    public Option<string[]> Mask { get; } = Options.Repeated("--mask", "A column whose values are replaced by the placeholder; that it changed is still recorded (repeatable).", "column");

    public Option<string?> MaskPlaceholder { get; } = new("--mask-placeholder") { Description = $"What masked values become (default {TableCaptureOptions.DefaultMaskPlaceholder}).", HelpName = "text" };

    public Option<bool> RequireActor { get; } = new("--require-actor") { Description = "Reject writes to the table whose transaction carries no actor." };

    public Option<bool> AllowAnonymous { get; } = new("--allow-anonymous") { Description = "With --require-actor: accept writes by the anonymous actor (unauthenticated requests)." };

    public Option<bool> RecordNoOpUpdates { get; } = new("--record-no-op-updates") { Description = "Also record updates that change nothing (after exclusions)." };

    /// <summary>Only --table and --schema (capture disable, continuity check of a plain table).</summary>
    public void AddTableTo(Command command)
    {
        command.Options.Add(Table);
        command.Options.Add(Schema);
    }

    public void AddTo(Command command)
    {
        AddTableTo(command);
        command.Options.Add(Keys);
        command.Options.Add(Exclude);
        command.Options.Add(Mask);
        command.Options.Add(MaskPlaceholder);
        command.Options.Add(RequireActor);
        command.Options.Add(AllowAnonymous);
        command.Options.Add(RecordNoOpUpdates);
    }

    public (string Schema, string Table) TableName(CliContext context)
    {
        var table = context.Value(Table);
        var schema = context.Value(Schema);
        if (string.IsNullOrWhiteSpace(table))
        {
            throw new UsageException("--table must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(schema))
        {
            throw new UsageException("--schema must not be empty.");
        }

        if (!table.Contains('"', StringComparison.Ordinal) && table.Split('.') is [var s, var t] && context.Parse.GetResult(Schema) is null or { Implicit: true })
        {
            // "--table sales.orders" is a common slip: take it as schema.table rather than a table with a dot in its name.
            return (s, t);
        }

        return (schema, table);
    }

    public TableCaptureOptions ToOptions(CliContext context)
    {
        var (schema, table) = TableName(context);
        var keys = context.Value(Keys) ?? [];
        return new TableCaptureOptions(table, schema)
        {
            KeyColumns = keys.Length > 0 ? keys : null,
            Exclude = context.Value(Exclude) ?? [],
            Mask = context.Value(Mask) ?? [],
            MaskPlaceholder = context.Value(MaskPlaceholder) ?? TableCaptureOptions.DefaultMaskPlaceholder,
            RequireActor = context.Value(RequireActor),
            AllowAnonymous = context.Value(AllowAnonymous),
            RecordNoOpUpdates = context.Value(RecordNoOpUpdates),
        };
    }
}
