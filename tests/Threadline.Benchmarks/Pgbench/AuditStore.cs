namespace Threadline.Benchmarks.Pgbench;

/// <summary>Where a capture design keeps its audit rows: SQL for their total size (heap, indexes, TOAST) and their count.</summary>
public sealed record AuditStore(string BytesSql, string RowsSql)
{
    /// <summary>Every table of the audit schema (transactions, changes and the small bookkeeping tables, whose size barely moves).</summary>
    public static AuditStore ThreadlineSchema { get; } = new(
        """
        SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'threadline' AND c.relkind IN ('r', 'm')
        """,
        "SELECT count(*) FROM threadline.changes");

    public static AuditStore FloorTable { get; } = new(
        $"SELECT pg_total_relation_size('{FloorCapture.Table}')",
        $"SELECT count(*) FROM {FloorCapture.Table}");
}
