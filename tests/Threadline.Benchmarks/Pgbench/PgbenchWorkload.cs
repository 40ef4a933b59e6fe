namespace Threadline.Benchmarks.Pgbench;

/// <summary>One pgbench script: a transaction that sets the audit context, then writes.</summary>
/// <param name="Variables">pgbench <c>\set</c> lines run before the transaction.</param>
/// <param name="ViaPgBouncer">Also run through PgBouncer (single-row work, where a pooler matters), not only direct.</param>
public sealed record PgbenchWorkload(string Name, string Letter, string Description, string Variables, string Statement, bool ViaPgBouncer)
{
    private const string InsertColumns = "INSERT INTO items(name,qty,price,tags,meta,updated_at)";

    public static IReadOnlyList<PgbenchWorkload> All { get; } =
    [
        new("insert", "a", "single-row INSERT", @"\set q random(1,1000)",
            InsertColumns + """ VALUES ('new-item-'||:q, :q, :q*0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}', now())""", true),
        new("update", "b", "single-row UPDATE by id", @"\set id random(1,100000)",
            "UPDATE items SET qty = qty + 1, updated_at = now() WHERE id = :id", true),
        new("bulk-insert", "c", "1,000-row INSERT ... SELECT", @"\set q random(1,1000)",
            InsertColumns + """ SELECT 'new-item-'||:q, :q, :q*0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}'::jsonb, now() FROM generate_series(1,1000)""", false),
        // Each client updates 10,000 rows inside its own 25,000-id slice, so clients never wait on each other's row locks.
        new("bulk-update", "d", "10,000-row UPDATE by id range", @"\set start (:client_id * 25000) + random(1, 15001)",
            "UPDATE items SET qty = qty + 1, updated_at = now() WHERE id BETWEEN :start AND :start + 9999", false),
    ];

    public IReadOnlyList<string> Paths => ViaPgBouncer ? [PgbenchPath.Direct, PgbenchPath.PgBouncer] : [PgbenchPath.Direct];

    /// <summary>The script file's text. The context literal has no <c>:letter</c>, so pgbench leaves it alone.</summary>
    public string Script => $"""
        {Variables}
        BEGIN;
        {ItemsTable.SetContextSql};
        {Statement};
        COMMIT;

        """;

    public static IReadOnlyList<PgbenchWorkload> Select(IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return All;
        }

        var unknown = names.Except(All.Select(w => w.Name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown workload(s) {string.Join(", ", unknown)}; known: {string.Join(", ", All.Select(w => w.Name))}.");
        }

        return All.Where(w => names.Contains(w.Name)).ToList();
    }
}
