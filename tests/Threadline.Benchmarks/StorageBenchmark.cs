using Npgsql;
using Threadline.Npgsql;

namespace Threadline.Benchmarks;

/// <summary>Audit storage of one workload under one capture design.</summary>
public sealed record StorageResult(string Workload, BenchVariant Variant, long Changes, long Transactions, long AttributedTransactions, long AuditBytes)
{
    public double BytesPerChange => Changes == 0 ? 0 : (double)AuditBytes / Changes;
}

/// <summary>
/// Bytes of audit storage per captured change: growth of the audit tables (heap, indexes, TOAST) over a known
/// workload, divided by the change rows it added. Run on the direct connection, one transaction per batch.
/// </summary>
public sealed class StorageBenchmark(BenchmarkSettings settings, IReadOnlyList<BenchVariant> variants)
{
    public async Task<(IReadOnlyList<StorageResult> Results, double PlainBytesPerRow)> RunAsync(NpgsqlConnection direct, CancellationToken cancellationToken)
    {
        var results = new List<StorageResult>();
        foreach (var variant in variants.Where(v => v.Audit is not null))
        {
            var singleRow = $"Single-row insert transactions (×{settings.StorageSingleRowTransactions:N0})";
            results.Add(await MeasureAsync(direct, singleRow, variant, async () =>
            {
                for (var i = 0; i < settings.StorageSingleRowTransactions; i++)
                {
                    await InsertOneAsync(direct, variant, i, cancellationToken);
                }
            }, cancellationToken));

            var bulkInsert = $"{BulkStatement.Insert.Name} (×{settings.StorageBulkInsertStatements})";
            results.Add(await MeasureAsync(direct, bulkInsert, variant, async () =>
            {
                for (var i = 0; i < settings.StorageBulkInsertStatements; i++)
                {
                    await BulkBenchmark.ExecuteAsync(direct, BulkStatement.Insert, variant, i, cancellationToken);
                }
            }, cancellationToken));

            results.Add(await MeasureAsync(direct, $"{BulkStatement.Update.Name} (×1)", variant,
                () => BulkBenchmark.ExecuteAsync(direct, BulkStatement.Update, variant, 0, cancellationToken), cancellationToken));
        }

        return (results, await PlainBytesPerRowAsync(direct, cancellationToken));
    }

    private static async Task<StorageResult> MeasureAsync(NpgsqlConnection direct, string workload, BenchVariant variant, Func<Task> run, CancellationToken cancellationToken)
    {
        var audit = variant.Audit!;
        var before = await SnapshotAsync(direct, audit, cancellationToken);
        await run();
        var after = await SnapshotAsync(direct, audit, cancellationToken);
        return new StorageResult(workload, variant, after.Changes - before.Changes, after.Transactions - before.Transactions,
            after.Attributed - before.Attributed, after.Bytes - before.Bytes);
    }

    private static async Task InsertOneAsync(NpgsqlConnection direct, BenchVariant variant, int sequence, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(direct);
        var command = new NpgsqlBatchCommand($"INSERT INTO {variant.Table} (account, amount, note) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = "storage" });
        command.Parameters.Add(new NpgsqlParameter { Value = 10m + sequence % 1000 });
        command.Parameters.Add(new NpgsqlParameter { Value = $"single-row insert {sequence}" });
        batch.BatchCommands.Add(command);
        batch.WithAuditContext(BenchContext.For(client: 0, sequence));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record Snapshot(long Changes, long Transactions, long Attributed, long Bytes);

    private static async Task<Snapshot> SnapshotAsync(NpgsqlConnection direct, AuditTables audit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT (SELECT count(*) FROM {audit.Changes}),
                   (SELECT count(*) FROM {audit.Transactions}),
                   (SELECT count(*) FROM {audit.Transactions} WHERE actor_id IS NOT NULL),
                   pg_total_relation_size('{audit.Changes}') + pg_total_relation_size('{audit.Transactions}')
            """, direct);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Snapshot(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>
    /// For scale: what the same bulk inserts cost an unaudited table itself (heap + primary key), per row. Measured on
    /// a fresh copy, because the benchmark table has free space left by the delete and update scenarios.
    /// </summary>
    private async Task<double> PlainBytesPerRowAsync(NpgsqlConnection direct, CancellationToken cancellationToken)
    {
        const string probe = "bench_size_probe";
        await BenchTables.ExecuteAsync(direct, $"DROP TABLE IF EXISTS {probe}; CREATE TABLE {probe} (LIKE {BenchVariant.Unaudited.Table} INCLUDING ALL);", cancellationToken);
        var before = await TableBytesAsync(direct, probe, cancellationToken);
        for (var i = 0; i < settings.StorageBulkInsertStatements; i++)
        {
            await BenchTables.ExecuteAsync(direct, BulkStatement.Insert.Sql(probe), cancellationToken);
        }

        var after = await TableBytesAsync(direct, probe, cancellationToken);
        await BenchTables.ExecuteAsync(direct, $"DROP TABLE {probe};", cancellationToken);
        return (double)(after - before) / (settings.StorageBulkInsertStatements * BulkStatement.Insert.Rows);
    }

    private static async Task<long> TableBytesAsync(NpgsqlConnection direct, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_total_relation_size('{table}')", direct);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
