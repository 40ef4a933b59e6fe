using System.Diagnostics;
using Npgsql;
using Threadline.Npgsql;

namespace Threadline.Benchmarks;

/// <summary>A statement that touches many rows at once: where per-row and per-statement trigger designs part ways.</summary>
public sealed record BulkStatement(string Name, int Rows, Func<string, string> Sql)
{
    public static BulkStatement Insert { get; } = new(
        $"{BenchmarkSettings.BulkInsertRows:N0}-row INSERT ... SELECT",
        BenchmarkSettings.BulkInsertRows,
        table => $"""
            INSERT INTO {table} (account, amount, note)
            SELECT 'bulk-' || (g % 50), g % 1000 + 0.5, 'bulk insert ' || g FROM generate_series(1, {BenchmarkSettings.BulkInsertRows}) g
            """);

    public static BulkStatement Update { get; } = UpdateFirst(BenchmarkSettings.BulkUpdateRows);

    /// <summary>Updates seed rows 1..<paramref name="rows"/>, which no scenario deletes.</summary>
    public static BulkStatement UpdateFirst(int rows) => new(
        $"{rows:N0}-row UPDATE",
        rows,
        table => $"UPDATE {table} SET amount = amount + 1, updated_at = now() WHERE id BETWEEN 1 AND {rows}");
}

/// <summary>Times one bulk statement per variant, alternating variants statement by statement on one connection.</summary>
public sealed class BulkBenchmark(BenchmarkSettings settings, IReadOnlyList<BenchVariant> variants)
{
    public const double Target = 2.0;

    public async Task<Comparison> RunAsync(BulkStatement statement, int repetitions, BenchPath path, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(path.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        for (var i = 0; i < settings.BulkWarmupRepetitions; i++)
        {
            foreach (var variant in variants)
            {
                await ExecuteAsync(connection, statement, variant, i, cancellationToken);
            }
        }

        var costs = variants.ToDictionary(v => v, _ => new List<double>());
        for (var round = 0; round < repetitions; round++)
        {
            foreach (var variant in BenchVariant.Rotated(variants, round))
            {
                costs[variant].Add(await ExecuteAsync(connection, statement, variant, round, cancellationToken));
            }
        }

        return Comparison.From(statement.Name, path.Name, MetricKind.Duration, Target, costs);
    }

    /// <summary>Runs the statement once as one batch (audited: with the context in front); returns its seconds.</summary>
    public static async Task<double> ExecuteAsync(NpgsqlConnection connection, BulkStatement statement, BenchVariant variant, int sequence, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { Timeout = 600 };
        batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Sql(variant.Table)));
        if (variant.WithContext)
        {
            batch.WithAuditContext(BenchContext.For(client: 0, sequence));
        }

        var stopwatch = Stopwatch.StartNew();
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return stopwatch.Elapsed.TotalSeconds;
    }
}
