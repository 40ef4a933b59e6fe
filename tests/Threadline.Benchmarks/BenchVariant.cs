namespace Threadline.Benchmarks;

/// <summary>
/// One table design under test. Every variant has the same columns and seed rows; they differ only in what fires
/// on a write, so their side-by-side ratio is the capture overhead.
/// </summary>
/// <param name="Audit">Where the design stores audit rows (null: it stores none); their growth is its storage cost.</param>
public sealed record BenchVariant(string Key, string Label, string Table, bool WithContext, AuditTables? Audit)
{
    /// <summary>No trigger, no context: the baseline every ratio divides by.</summary>
    public static BenchVariant Unaudited { get; } = new("unaudited", "Unaudited", "bench_plain", false, null);

    /// <summary>No trigger, but the same context prefix as the audited batch: isolates the actor bridge's own cost.</summary>
    public static BenchVariant BridgeOnly { get; } = new("bridge-only", "Context, no capture", "bench_bridge", true, null);

    /// <summary>Threadline's statement-level capture, with the actor bridge prepended to each batch.</summary>
    public static BenchVariant Audited { get; } = new("audited", "Audited (Threadline)", "bench_audited", true, new("threadline.changes", "threadline.transactions"));

    /// <summary>The naive alternative: a FOR EACH ROW trigger that finds or creates (INSERT ... ON CONFLICT) the transaction row for every row.</summary>
    public static BenchVariant RowLevel { get; } = new("row-level", "Per-row trigger", "bench_rowlevel", true, new(RowLevelDesign.ChangesTable, RowLevelDesign.TransactionsTable));

    public static IReadOnlyList<BenchVariant> For(BenchmarkSettings settings) =>
        settings.IncludeRowLevelDesign ? [Unaudited, BridgeOnly, Audited, RowLevel] : [Unaudited, BridgeOnly, Audited];

    /// <summary>The variants in a different order each round, so drift and noise do not always favour the same side.</summary>
    public static IReadOnlyList<BenchVariant> Rotated(IReadOnlyList<BenchVariant> variants, int round)
    {
        var shift = round % variants.Count;
        return variants.Skip(shift).Concat(variants.Take(shift)).ToList();
    }
}

/// <summary>The two relations a capture design writes: one row per changed row, one row per transaction.</summary>
public sealed record AuditTables(string Changes, string Transactions);

/// <summary>A way to reach PostgreSQL: straight to the server, or through PgBouncer as the application.</summary>
public sealed record BenchPath(string Name, string ConnectionString)
{
    public const string DirectName = "direct";
    public const string PgBouncerName = "pgbouncer";
}
