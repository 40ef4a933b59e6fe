using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Threadline.Benchmarks;

/// <summary>
/// The synthetic audit history both purge databases get, identical to the row: <see cref="Months"/> whole calendar
/// months before the current one (UTC), the same number of changes in each, one transaction per
/// <see cref="ChangesPerTransaction"/> changes, written in capture order as an append-only audit log would be.
/// Every value derives from the change's number, so two loads produce the same rows.
/// </summary>
public sealed class PurgeDataset
{
    public const int Months = 6;
    public const int ChangesPerTransaction = 10;

    public PurgeDataset(int totalChanges, DateTimeOffset asOf)
    {
        ChangesPerMonth = (totalChanges + Months - 1) / Months;
        TransactionsPerMonth = (ChangesPerMonth + ChangesPerTransaction - 1) / ChangesPerTransaction;
        var currentMonth = new DateTime(asOf.UtcDateTime.Year, asOf.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        MonthStarts = Enumerable.Range(0, Months + 1).Select(k => currentMonth.AddMonths(k - Months)).ToArray();
    }

    public int ChangesPerMonth { get; }

    public int TransactionsPerMonth { get; }

    public long TotalChanges => (long)ChangesPerMonth * Months;

    public long TotalTransactions => (long)TransactionsPerMonth * Months;

    /// <summary>Month boundaries: month k runs from <c>MonthStarts[k]</c> to <c>MonthStarts[k + 1]</c>; the last one is the current month's start.</summary>
    public IReadOnlyList<DateTime> MonthStarts { get; }

    public static string MonthName(DateTime start) => start.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static string PartitionName(DateTime start) => "changes_p" + start.ToString("yyyyMM", CultureInfo.InvariantCulture);

    /// <summary>The monthly partitions of the synthetic months, made like the library makes them, owned by the owner role.</summary>
    public async Task CreatePartitionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        for (var k = 0; k < Months; k++)
        {
            var name = PartitionName(MonthStarts[k]);
            await BenchTables.ExecuteAsync(connection, $"""
                CREATE TABLE threadline.{name} PARTITION OF threadline.changes FOR VALUES FROM ('{Literal(MonthStarts[k])}') TO ('{Literal(MonthStarts[k + 1])}');
                ALTER TABLE threadline.{name} OWNER TO threadline_owner;
                """, cancellationToken);
        }
    }

    /// <summary>
    /// Loads month by month, one transaction each, straight into the audit tables as the superuser. Foreign-key
    /// triggers are skipped during the load (<c>session_replication_role = replica</c>): the rows are consistent by
    /// construction and the tables end up exactly as if they had been checked. Indexes are maintained as usual.
    /// </summary>
    public async Task LoadAsync(NpgsqlConnection connection, Action<string> log, CancellationToken cancellationToken)
    {
        for (var k = 0; k < Months; k++)
        {
            var stopwatch = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var replica = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, transaction))
            {
                await replica.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var transactions = new NpgsqlCommand(TransactionsSql, connection, transaction) { CommandTimeout = 0 })
            {
                AddMonthParameters(transactions, k);
                await transactions.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var changes = new NpgsqlCommand(ChangesSql, connection, transaction) { CommandTimeout = 0 })
            {
                AddMonthParameters(changes, k);
                await changes.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            log($"month {MonthName(MonthStarts[k])}: {ChangesPerMonth:N0} changes, {TransactionsPerMonth:N0} transactions in {stopwatch.Elapsed.TotalSeconds:F1} s");
        }

        await BenchTables.ExecuteAsync(connection,
            "SELECT setval(pg_get_serial_sequence('threadline.transactions', 'id'), (SELECT max(id) FROM threadline.transactions));", cancellationToken);
    }

    // $1 first transaction id, $2 transactions, $3 changes, $4 month start, $5 month end, $6 first change number.
    // Every parameter is typed, so a statement may leave some unused.
    private void AddMonthParameters(NpgsqlCommand command, int month)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = (long)month * TransactionsPerMonth + 1, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)TransactionsPerMonth, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)ChangesPerMonth, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = MonthStarts[month], NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = MonthStarts[month + 1], NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)month * ChangesPerMonth, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    /// <summary>Change j of the month happens at start + j/n of the month; its transaction started with its first change.</summary>
    private const string TransactionsSql = """
        INSERT INTO threadline.transactions (id, txid, started_at, first_change_at, actor_type, actor_id, request_id, source)
        OVERRIDING SYSTEM VALUE
        SELECT $1 + t, ($1 + t)::text::xid8, x.ts, x.ts, 'user', 'user-' || (t % 500), 'req-' || ($1 + t), 'benchmark'
          FROM generate_series(0::bigint, $2 - 1) t
         CROSS JOIN LATERAL (SELECT $4 + ($5 - $4) * ((t * 10)::float8 / $3) AS ts) x
        """;

    /// <summary>
    /// 60% inserts (data_after only), 30% updates (data_after, changed_fields, data_before of three fields), 10%
    /// deletes (data_before only) over four tables; the row image is 10 fields with a note of 40–280 characters,
    /// about 300–550 bytes of jsonb.
    /// </summary>
    private const string ChangesSql = """
        INSERT INTO threadline.changes (transaction_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)
        SELECT $1 + j / 10, 'public', k.tbl, k.op, jsonb_build_object('id', k.rid),
               CASE WHEN k.op <> 'delete' THEN i.img END,
               CASE WHEN k.op = 'update' THEN ARRAY['amount', 'status', 'updated_at'] END,
               CASE k.op
                   WHEN 'update' THEN jsonb_build_object('amount', ((k.rid * 37) % 100000) / 100.0 - 1, 'status', 'new', 'updated_at', g.ts - interval '1 day')
                   WHEN 'delete' THEN i.img
               END,
               g.ts
          FROM generate_series(0::bigint, $3 - 1) j
         CROSS JOIN LATERAL (SELECT $6 + j AS gid, $4 + ($5 - $4) * (j::float8 / $3) AS ts) g
         CROSS JOIN LATERAL (SELECT g.gid / 2 + 1 AS rid,
                                    (ARRAY['orders', 'customers', 'invoices', 'shipments'])[1 + (g.gid % 4)::int] AS tbl,
                                    CASE WHEN g.gid % 10 < 6 THEN 'insert' WHEN g.gid % 10 < 9 THEN 'update' ELSE 'delete' END AS op) k
         CROSS JOIN LATERAL (SELECT jsonb_build_object(
                                    'id', k.rid,
                                    'account', 'acct-' || (k.rid % 1000),
                                    'customer_id', k.rid % 50000,
                                    'amount', ((k.rid * 37) % 100000) / 100.0,
                                    'currency', 'EUR',
                                    'status', (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + (g.gid % 4)::int],
                                    'note', left(repeat(md5(k.rid::text), 8), 40 + ((k.rid * 7) % 241)::int),
                                    'created_at', g.ts - interval '3 days',
                                    'updated_at', g.ts,
                                    'tags', jsonb_build_array('tag-' || k.rid % 7, 'tag-' || k.rid % 11)) AS img) i
        """;

    private static string Literal(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00";
}
