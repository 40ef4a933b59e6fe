using System.Diagnostics;
using Npgsql;
using Threadline.Npgsql;

namespace Threadline.Benchmarks;

public enum SingleRowOperation
{
    Insert,
    Update,
    Delete,
}

/// <summary>
/// pgbench-style single-row transactions from several concurrent clients. Every transaction is ONE NpgsqlBatch in
/// autocommit: one round trip and one implicit transaction. The audited batch carries
/// <c>CALL threadline.set_context($1)</c> in front of the same statement, in that same round trip.
/// </summary>
public sealed class SingleRowBenchmark(BenchmarkSettings settings, string directConnectionString, IReadOnlyList<BenchVariant> variants)
{
    public const double Target = 1.3;

    public async Task<Comparison> RunAsync(SingleRowOperation operation, BenchPath path, CancellationToken cancellationToken)
    {
        var clients = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < settings.Clients; i++)
            {
                var connection = new NpgsqlConnection(path.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                clients.Add(connection);
            }

            foreach (var variant in variants)
            {
                await RunRoundAsync(clients, operation, variant, settings.WarmupTransactionsPerClient, cancellationToken);
            }

            var costs = variants.ToDictionary(v => v, _ => new List<double>());
            for (var round = 0; round < settings.SingleRowRounds; round++)
            {
                foreach (var variant in BenchVariant.Rotated(variants, round))
                {
                    costs[variant].Add(await RunRoundAsync(clients, operation, variant, settings.TransactionsPerClient, cancellationToken));
                }
            }

            var scenario = $"Single-row {operation.ToString().ToLowerInvariant()} ({settings.Clients} clients)";
            return Comparison.From(scenario, path.Name, MetricKind.Throughput, Target, costs);
        }
        finally
        {
            foreach (var connection in clients)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Runs <paramref name="perClient"/> transactions on every client at once; returns seconds per transaction (1 / throughput).</summary>
    private async Task<double> RunRoundAsync(
        IReadOnlyList<NpgsqlConnection> clients, SingleRowOperation operation, BenchVariant variant, int perClient, CancellationToken cancellationToken)
    {
        var ids = await RowIdsAsync(operation, variant, clients.Count, perClient, cancellationToken);
        var sql = Sql(operation, variant.Table);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select((connection, client) =>
            RunClientAsync(connection, client, sql, operation, variant, ids[client], cancellationToken)));
        stopwatch.Stop();
        return stopwatch.Elapsed.TotalSeconds / (clients.Count * perClient);
    }

    private static async Task RunClientAsync(
        NpgsqlConnection connection, int client, string sql, SingleRowOperation operation, BenchVariant variant, long[] ids, CancellationToken cancellationToken)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            await using var batch = new NpgsqlBatch(connection);
            var command = new NpgsqlBatchCommand(sql);
            if (operation == SingleRowOperation.Insert)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = $"client-{client}" });
                command.Parameters.Add(new NpgsqlParameter { Value = 10m + (i % 1000) });
                command.Parameters.Add(new NpgsqlParameter { Value = $"single-row insert {i}" });
            }
            else
            {
                command.Parameters.Add(new NpgsqlParameter { Value = ids[i] });
            }

            batch.BatchCommands.Add(command);
            if (variant.WithContext)
            {
                batch.WithAuditContext(BenchContext.For(client, i));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static string Sql(SingleRowOperation operation, string table) => operation switch
    {
        SingleRowOperation.Insert => $"INSERT INTO {table} (account, amount, note) VALUES ($1, $2, $3)",
        SingleRowOperation.Update => $"UPDATE {table} SET amount = amount + 1, updated_at = now() WHERE id = $1",
        SingleRowOperation.Delete => $"DELETE FROM {table} WHERE id = $1",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    /// <summary>
    /// The rows each client touches, disjoint between clients so they never wait on each other's row locks:
    /// updates cycle through a slice of the seed rows; deletes get fresh rows inserted (untimed) just before.
    /// </summary>
    private async Task<long[][]> RowIdsAsync(SingleRowOperation operation, BenchVariant variant, int clients, int perClient, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case SingleRowOperation.Insert:
                return Enumerable.Range(0, clients).Select(_ => new long[perClient]).ToArray();
            case SingleRowOperation.Update:
                var slice = BenchmarkSettings.SeedRows / clients;
                return Enumerable.Range(0, clients)
                    .Select(c => Enumerable.Range(0, perClient).Select(i => (long)(c * slice + i % slice + 1)).ToArray())
                    .ToArray();
            default:
                var fresh = await InsertRowsAsync(variant.Table, clients * perClient, cancellationToken);
                return fresh.Chunk(perClient).ToArray();
        }
    }

    private async Task<long[]> InsertRowsAsync(string table, int count, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(directConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {table} (account, amount, note) SELECT 'to-delete', 1, 'delete pool' FROM generate_series(1, $1) RETURNING id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var ids = new List<long>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids.ToArray();
    }
}
