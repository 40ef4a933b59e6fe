using Npgsql;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>The designs <c>--pgbench</c> compares, baseline first (every ratio divides by it).</summary>
public static class PgbenchVariants
{
    public static IReadOnlyList<PgbenchVariant> All { get; } =
    [
        new(PgbenchVariant.BaselineName, "No trigger.", (_, _) => Task.CompletedTask, null),
        new("threadline", "Current capture, installed by this build's SchemaInstaller + CaptureManager.EnableAsync (default options).",
            InstallCurrentAsync, AuditStore.ThreadlineSchema),
        new("threadline-v012-scripts", "Schema version 12 as the old version scripts V001-V012 installed it (the frozen tests/Threadline.IntegrationTests/Schema/v012-install.sql) with the capture CaptureManager generates: the \"before\" of the collapse into one baseline and one file per function (issue 24).",
            InstallV012ScriptsAsync, AuditStore.ThreadlineSchema),
        new("threadline-v005", "Frozen copy of the capture as of schema version 5 (Pgbench/threadline-v005.sql), for before/after comparisons.",
            FrozenCapture.ApplyAsync, AuditStore.ThreadlineSchema),
        new("threadline-masked", $"The current capture (as `threadline`) of a table with one masked ({string.Join(", ", RecordV1Capture.MaskedColumns)}) and one excluded ({string.Join(", ", RecordV1Capture.ExcludedColumns)}) column.",
            InstallCurrentMaskedAsync, AuditStore.ThreadlineSchema),
        new("record-v1", "Prototype of the final record (issue 24, docs/design/audit-record-v1.md): one row per change, the transaction's context on its first change (the head), a table id, before values of changed columns only, BRIN on time, B-trees for id, row history, actor (heads only) and a transaction's other changes.",
            RecordV1Capture.InstallAsync, AuditStore.ThreadlineSchema),
        new("record-v1-masked", $"record-v1 on a table with one masked ({string.Join(", ", RecordV1Capture.MaskedColumns)}) and one excluded ({string.Join(", ", RecordV1Capture.ExcludedColumns)}) column.",
            RecordV1Capture.InstallMaskedAsync, AuditStore.ThreadlineSchema),
        new("floor", "Physical floor: one statement-level AFTER trigger writing to_jsonb(row) per changed row into an unindexed table.",
            FloorCapture.InstallAsync, AuditStore.FloorTable),
        new("keyed-floor", "Floor of a keyed, append-only design: per changed row one row with a sequence id (primary key) and a row-history B-tree, the context's raw text on every row (not parsed, not grouped), written by a SECURITY DEFINER function; updates zip both whole images.",
            KeyedFloorCapture.InstallAsync, AuditStore.ThreadlineSchema with { RowsSql = KeyedFloorCapture.AttributedRowsSql }),
        new("tx-row-only", "Cost split, not a design: the current capture's trigger only finds or creates the transaction row (context parsed, actor checked) and writes no change.",
            CaptureAblation.TransactionRowOnlyAsync, AuditStore.ThreadlineSchema with { RowsSql = "SELECT count(*) FROM threadline.transactions" }),
        new("change-rows-only", "Cost split, not a design: the current capture's change rows with a constant transaction id and no transaction row.",
            CaptureAblation.ChangeRowsOnlyAsync, AuditStore.ThreadlineSchema with { RowsSql = "SELECT count(*) FROM threadline.changes c" }),
    ];

    /// <summary>What runs without <c>--variants</c>: the designs, not the cost-split variants (those are asked for by name).</summary>
    public static IReadOnlyList<PgbenchVariant> Default { get; } = All.Where(v => v.Name is not ("tx-row-only" or "change-rows-only" or "threadline-v005" or "threadline-masked" or "record-v1" or "record-v1-masked" or "keyed-floor")).ToList();

    public static async Task InstallCurrentAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await new SchemaInstaller().InstallAsync(connection, cancellationToken);
        await new CaptureManager().EnableAsync(connection, new TableCaptureOptions(ItemsTable.Name), cancellationToken);
    }

    /// <summary>The current capture of a table with one masked and one excluded column (the record-v1-masked comparison).</summary>
    public static async Task InstallCurrentMaskedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await new SchemaInstaller().InstallAsync(connection, cancellationToken);
        await new CaptureManager().EnableAsync(connection,
            new TableCaptureOptions(ItemsTable.Name) { Mask = RecordV1Capture.MaskedColumns, Exclude = RecordV1Capture.ExcludedColumns }, cancellationToken);
    }

    /// <summary>The frozen install of the old version scripts (embedded as v012-install.sql) and the current capture on it.</summary>
    public static async Task InstallV012ScriptsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var stream = typeof(PgbenchVariants).Assembly.GetManifestResourceStream("v012-install.sql")
            ?? throw new InvalidOperationException("Embedded resource v012-install.sql is missing."))
        using (var reader = new StreamReader(stream))
        {
            await Sql.ExecuteAsync(connection, await reader.ReadToEndAsync(cancellationToken), cancellationToken);
        }

        await new CaptureManager().EnableAsync(connection, new TableCaptureOptions(ItemsTable.Name), cancellationToken);
    }

    /// <summary>The variants named by <c>--variants</c>, in the canonical order; unknown names are an error.</summary>
    public static IReadOnlyList<PgbenchVariant> Select(IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return Default;
        }

        var unknown = names.Except(All.Select(v => v.Name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown variant(s) {string.Join(", ", unknown)}; known: {string.Join(", ", All.Select(v => v.Name))}.");
        }

        return All.Where(v => names.Contains(v.Name)).ToList();
    }
}
