using System.Diagnostics;
using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// Audit bytes and WAL bytes per change over a fixed workload, in a fresh database per variant (baseline too: its WAL
/// per row is what the table alone costs). Each part starts after a CHECKPOINT, so every variant pays the same
/// full-page images. WAL is cluster-wide, so the phase runs alone: the throughput databases are gone, autovacuum is
/// off (it would otherwise vacuum whichever tables crossed its thresholds, in some variants' parts and not others),
/// and each variant's database is dropped once measured.
/// </summary>
public sealed class AuditBytesBenchmark(LocalCluster cluster, Stopwatch clock)
{
    public const string TotalPart = "total";

    public static IReadOnlyList<string> Parts { get; } =
    [
        $"{PgbenchSettings.BytesBulkInsertTransactions} × {PgbenchSettings.BytesBulkInsertRows:N0}-row INSERT",
        $"1 × {PgbenchSettings.BytesBulkUpdateRows:N0}-row UPDATE",
        $"{PgbenchSettings.BytesSingleRowTransactions:N0} × single-row INSERT",
    ];

    private static readonly string BulkInsertSql =
        $$"""INSERT INTO items(name,qty,price,tags,meta,updated_at) SELECT 'new-item-'||g, g%1000, g*0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}'::jsonb, now() FROM generate_series(1,{{PgbenchSettings.BytesBulkInsertRows}}) g""";

    private static readonly string BulkUpdateSql = $"UPDATE items SET qty = qty + 1, updated_at = now() WHERE id BETWEEN 1 AND {PgbenchSettings.BytesBulkUpdateRows}";

    private const string SingleInsertSql =
        """INSERT INTO items(name,qty,price,tags,meta,updated_at) VALUES ('new-item-1', 1, 0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}', now())""";

    public async Task<IReadOnlyList<AuditBytesResult>> RunAsync(IReadOnlyList<PgbenchVariant> variants, CancellationToken cancellationToken)
    {
        await SetAutovacuumAsync(false, cancellationToken);
        var results = new List<AuditBytesResult>();
        foreach (var variant in variants)
        {
            var database = await ItemsTable.CreateVariantDatabaseAsync(cluster, variant, "bytes_", cancellationToken);
            AuditBytesResult[] parts;
            await using (var connection = await Sql.OpenAsync(cluster.DirectConnectionString(database), cancellationToken))
            {
                parts =
                [
                    await MeasureAsync(connection, variant, Parts[0], PgbenchSettings.BytesBulkInsertTransactions, BulkInsertSql, cancellationToken),
                    await MeasureAsync(connection, variant, Parts[1], 1, BulkUpdateSql, cancellationToken),
                    await MeasureAsync(connection, variant, Parts[2], PgbenchSettings.BytesSingleRowTransactions, SingleInsertSql, cancellationToken),
                ];
            }

            await ItemsTable.DropDatabaseAsync(cluster, database, cancellationToken);
            results.AddRange(parts);
            results.Add(new AuditBytesResult(
                variant.Name, TotalPart, parts.Sum(p => p.Rows), Sum(parts.Select(p => p.AuditRows)), Sum(parts.Select(p => p.AuditBytes)), parts.Sum(p => p.WalBytes)));
            Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] bytes per change measured on {variant.Name}.");
        }

        await SetAutovacuumAsync(true, cancellationToken);
        return results;
    }

    private async Task SetAutovacuumAsync(bool on, CancellationToken cancellationToken)
    {
        await using var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken);
        await Sql.ExecuteAsync(admin, $"ALTER SYSTEM SET autovacuum = {(on ? "on" : "off")}", cancellationToken);
        await Sql.ExecuteAsync(admin, "SELECT pg_reload_conf()", cancellationToken);
    }

    private static async Task<AuditBytesResult> MeasureAsync(
        NpgsqlConnection connection, PgbenchVariant variant, string part, int transactions, string statement, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, "CHECKPOINT", cancellationToken);
        var (rowsBefore, bytesBefore) = await AuditSizeAsync(connection, variant, cancellationToken);
        var walStart = await Sql.ScalarAsync<string>(connection, "SELECT pg_current_wal_lsn()::text", cancellationToken);
        long rows = 0;
        for (var i = 0; i < transactions; i++)
        {
            rows += await ItemsTable.WriteWithContextAsync(connection, statement, cancellationToken);
        }

        var wal = await Sql.ScalarAsync<decimal>(connection, $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{walStart}'::pg_lsn)", cancellationToken);
        var (rowsAfter, bytesAfter) = await AuditSizeAsync(connection, variant, cancellationToken);
        return new AuditBytesResult(variant.Name, part, rows, rowsAfter - rowsBefore, bytesAfter - bytesBefore, (long)wal);
    }

    private static async Task<(long? Rows, long? Bytes)> AuditSizeAsync(NpgsqlConnection connection, PgbenchVariant variant, CancellationToken cancellationToken) =>
        variant.Audit is { } audit
            ? (await Sql.ScalarAsync<long>(connection, audit.RowsSql, cancellationToken), await Sql.ScalarAsync<long>(connection, audit.BytesSql, cancellationToken))
            : (null, null);

    private static long? Sum(IEnumerable<long?> values) => values.Any(v => v is null) ? null : values.Sum();
}
