using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Threadline.Benchmarks.Pgbench;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// The synthetic audit history both investigation databases get, identical to the row (ids included), written
/// set-based straight into the audit tables in the shapes the capture writes. Change j happens at
/// start + j/N of the window and touches business row (j × 7919 mod R) + 1, so every row gets one change in each block
/// of R changes, spread over the whole window: a row's k-th change is an insert when k mod 25 = 0, a delete when
/// k mod 25 = 24 (the row is re-created later), an update otherwise. Each block of 16 changes is split into
/// transactions of 1, 1, 2, 4 and 8 changes. Transactions: 85% users (200 of them), 10% a service account, 5% a job;
/// three consecutive transactions share a correlation id and trace id (a request and its follow-ups).
/// </summary>
public sealed class InvestigationDataset
{
    public const int Months = 6;
    public const int ChangesPerBlock = 16;
    public const int TransactionsPerBlock = 5;
    public const int Users = 200;
    private const long RowStride = 7919;
    private const int LoadChunk = 1_000_000;

    public static readonly string[] Tables = ["orders", "customers", "invoices", "shipments"];

    public InvestigationDataset(long changes, int rows, DateTimeOffset end)
    {
        if (rows % RowStride == 0 || rows < Tables.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), "The row count must not be a multiple of 7919.");
        }

        // Whole blocks only, so every transaction is complete.
        TotalChanges = Math.Max(1, changes / ChangesPerBlock) * ChangesPerBlock;
        Rows = rows;
        End = end;
        Start = end.AddMonths(-Months);
    }

    public long TotalChanges { get; }

    public int Rows { get; }

    public DateTimeOffset Start { get; }

    public DateTimeOffset End { get; }

    public long TotalTransactions => TotalChanges / ChangesPerBlock * TransactionsPerBlock;

    /// <summary>The row a change touches; the same formula as the load SQL.</summary>
    public long RowOfChange(long j) => j * RowStride % Rows + 1;

    public static string TableOfRow(long row) => Tables[row % Tables.Length];

    /// <summary>The actor of transaction t (0-based); the same formula as the load SQL.</summary>
    public static (string Type, string Id) ActorOfTransaction(long t) => (t % 20) switch
    {
        < 17 => ("user", "user-" + (t * 31 % Users)),
        < 19 => ("service_account", "posts-worker"),
        _ => ("job", "nightly-reindex"),
    };

    public static string CorrelationOfTransaction(long t) => "corr-" + (t / 3);

    public DateTimeOffset TimeOfChange(long j) => Start + (End - Start) * (j / (double)TotalChanges);

    /// <param name="copyActor">Whether the change rows carry their transaction's actor (schema version 12); without, settings name the newest change as uncopied.</param>
    public async Task LoadAsync(NpgsqlConnection connection, bool copyActor, Action<string> log, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, CapturedTablesSql(), cancellationToken);
        var indexes = await DropSecondaryIndexesAsync(connection, cancellationToken);
        for (long first = 0; first < TotalChanges; first += LoadChunk)
        {
            var count = Math.Min(LoadChunk, TotalChanges - first);
            var stopwatch = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // No foreign-key triggers (the before schema still has changes → transactions): rows are consistent by construction.
            await Sql.ExecuteAsync(connection, "SET LOCAL session_replication_role = replica", cancellationToken, transaction);
            await using (var transactions = new NpgsqlCommand(TransactionsSql, connection, transaction) { CommandTimeout = 0 })
            {
                AddParameters(transactions, first / ChangesPerBlock, count / ChangesPerBlock);
                transactions.Parameters.Add(new NpgsqlParameter { Value = false, NpgsqlDbType = NpgsqlDbType.Boolean });
                await transactions.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var changes = new NpgsqlCommand(ChangesSql, connection, transaction) { CommandTimeout = 0 })
            {
                AddParameters(changes, first, count);
                changes.Parameters.Add(new NpgsqlParameter { Value = (long)Rows, NpgsqlDbType = NpgsqlDbType.Bigint });
                changes.Parameters.Add(new NpgsqlParameter { Value = copyActor, NpgsqlDbType = NpgsqlDbType.Boolean });
                await changes.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            log($"changes {first:N0}..{first + count - 1:N0} in {stopwatch.Elapsed.TotalSeconds:F1} s");
        }

        var build = Stopwatch.StartNew();
        foreach (var definition in indexes)
        {
            await Sql.ExecuteAsync(connection, definition, cancellationToken);
        }

        log($"{indexes.Count} secondary indexes rebuilt in {build.Elapsed.TotalSeconds:F1} s");
        // Later captures (none here) would continue after the synthetic ids.
        await Sql.ExecuteAsync(connection, """
            SELECT setval(pg_get_serial_sequence('threadline.transactions', 'id'), (SELECT max(id) FROM threadline.transactions));
            SELECT setval(pg_get_serial_sequence('threadline.changes', 'id'), (SELECT max(id) FROM threadline.changes));
            """, cancellationToken);
        if (!copyActor)
        {
            // What the upgrade to version 12 records on an install with history.
            await Sql.ExecuteAsync(connection, """
                UPDATE threadline.settings
                   SET uncopied_actor_max_id = (SELECT max(id) FROM threadline.changes),
                       uncopied_actor_max_captured_at = (SELECT max(captured_at) FROM threadline.changes);
                """, cancellationToken);
        }
    }

    /// <summary>
    /// Drops the audit tables' indexes other than primary keys and unique constraints, returning their exact
    /// definitions (pg_get_indexdef) to recreate after the load: one sorted build each instead of five million inserts.
    /// </summary>
    private static async Task<IReadOnlyList<string>> DropSecondaryIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var indexes = new List<(string Name, string Definition)>();
        await using (var command = new NpgsqlCommand("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid IN ('threadline.changes'::regclass, 'threadline.transactions'::regclass)
               AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await Sql.ExecuteAsync(connection, $"DROP INDEX {name}", cancellationToken);
        }

        return indexes.Select(i => i.Definition).ToList();
    }

    // $1 first, $2 count, $3 total changes, $4 start, $5 end.
    private void AddParameters(NpgsqlCommand command, long first, long count)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = first, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = count, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = TotalChanges, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = Start, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = End, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }

    /// <summary>The four tables as capture registers them, enabled a day before the first change.</summary>
    private string CapturedTablesSql() =>
        "INSERT INTO threadline.captured_tables (table_schema, table_name, function_name, key_columns, options, enabled_at, options_changed_at) VALUES "
        + string.Join(", ", Tables.Select(t =>
            $"('public', '{t}', 'capture_public_{t}', '{{id}}', '{{\"mask\": [], \"exclude\": [], \"require_actor\": true, \"mask_placeholder\": \"[REDACTED]\", \"record_no_op_updates\": false}}', " +
            $"'{Start.AddDays(-1):O}', '{Start.AddDays(-1):O}')"));

    /// <summary>Transaction t (0-based, id t + 1) starts 2 ms before its first change: the capture's now() and clock_timestamp().</summary>
    private const string TransactionsSql = """
        INSERT INTO threadline.transactions (id, txid, started_at, first_change_at, actor_type, actor_id, request_id, correlation_id, trace_id, job_id, source, context)
        OVERRIDING SYSTEM VALUE
        SELECT x.t + 1, (x.t + 1)::text::xid8, x.ts - interval '2 milliseconds', x.ts, a.typ, a.aid, a.req, a.corr, a.trace, a.job, a.src,
               CASE WHEN $6 THEN jsonb_strip_nulls(jsonb_build_object(
                   'actor', jsonb_build_object('type', a.typ, 'id', a.aid), 'request_id', a.req, 'correlation_id', a.corr,
                   'trace_id', a.trace, 'job_id', a.job, 'source', a.src)) END
          FROM generate_series($1 * 5, ($1 + $2) * 5 - 1) tn
         CROSS JOIN LATERAL (SELECT tn AS t, $4 + ($5 - $4) * ((((tn / 5) * 16 + (ARRAY[0, 1, 2, 4, 8])[1 + (tn % 5)::int]))::float8 / $3) AS ts) x
         CROSS JOIN LATERAL (SELECT CASE WHEN x.t % 20 < 17 THEN 'user' WHEN x.t % 20 < 19 THEN 'service_account' ELSE 'job' END AS typ,
                                    CASE WHEN x.t % 20 < 17 THEN 'user-' || (x.t * 31 % 200) WHEN x.t % 20 < 19 THEN 'posts-worker' ELSE 'nightly-reindex' END AS aid,
                                    CASE WHEN x.t % 20 < 19 THEN 'req-' || x.t END AS req,
                                    'corr-' || (x.t / 3) AS corr,
                                    md5('trace-' || (x.t / 3)) AS trace,
                                    CASE WHEN x.t % 20 = 19 THEN 'job-' || (x.t / 1000) END AS job,
                                    CASE WHEN x.t % 20 < 17 THEN 'posts-api' WHEN x.t % 20 < 19 THEN 'posts-worker' ELSE 'job-worker' END AS src) a
        """;

    /// <summary>
    /// Updates carry the whole new row, the changed fields and their previous values; deletes the whole old row;
    /// inserts the new row: a 10-field image of about 300–550 bytes of jsonb.
    /// </summary>
    private const string ChangesSql = """
        INSERT INTO threadline.changes (id, transaction_id, actor_type, actor_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)
        OVERRIDING SYSTEM VALUE
        SELECT g.j + 1, x.t + 1,
               -- The transaction's actor, by the formula of TransactionsSql ($7: copy it, as capture does from version 12).
               CASE WHEN $7 THEN CASE WHEN x.t % 20 < 17 THEN 'user' WHEN x.t % 20 < 19 THEN 'service_account' ELSE 'job' END END,
               CASE WHEN $7 THEN CASE WHEN x.t % 20 < 17 THEN 'user-' || (x.t * 31 % 200) WHEN x.t % 20 < 19 THEN 'posts-worker' ELSE 'nightly-reindex' END END,
               'public', k.tbl, k.op, jsonb_build_object('id', k.rid),
               CASE WHEN k.op <> 'delete' THEN i.img END,
               CASE WHEN k.op = 'update' THEN ARRAY['amount', 'status', 'updated_at'] END,
               CASE k.op
                   WHEN 'update' THEN jsonb_build_object('amount', ((k.rid * 37 + k.n) % 100000) / 100.0 - 1, 'status', 'new', 'updated_at', g.ts - interval '1 day')
                   WHEN 'delete' THEN i.img
               END,
               g.ts
          FROM generate_series($1, $1 + $2 - 1) jn
         CROSS JOIN LATERAL (SELECT jn AS j, $4 + ($5 - $4) * (jn::float8 / $3) AS ts) g
         CROSS JOIN LATERAL (SELECT (g.j / 16) * 5 + CASE WHEN g.j % 16 < 1 THEN 0 WHEN g.j % 16 < 2 THEN 1 WHEN g.j % 16 < 4 THEN 2 WHEN g.j % 16 < 8 THEN 3 ELSE 4 END AS t) x
         CROSS JOIN LATERAL (SELECT g.j * 7919 % $6 + 1 AS rid, g.j / $6 AS n) r
         CROSS JOIN LATERAL (SELECT r.rid, r.n,
                                    (ARRAY['orders', 'customers', 'invoices', 'shipments'])[1 + (r.rid % 4)::int] AS tbl,
                                    CASE WHEN r.n % 25 = 0 THEN 'insert' WHEN r.n % 25 = 24 THEN 'delete' ELSE 'update' END AS op) k
         CROSS JOIN LATERAL (SELECT jsonb_build_object(
                                    'id', k.rid,
                                    'account', 'acct-' || (k.rid % 1000),
                                    'customer_id', k.rid % 50000,
                                    'amount', ((k.rid * 37 + k.n) % 100000) / 100.0,
                                    'currency', 'EUR',
                                    'status', (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + (k.n % 4)::int],
                                    'note', left(repeat(md5(k.rid::text), 8), 40 + ((k.rid * 7) % 241)::int),
                                    'created_at', g.ts - interval '3 days',
                                    'updated_at', g.ts,
                                    'tags', jsonb_build_array('tag-' || k.rid % 7, 'tag-' || k.rid % 11)) AS img) i
        """;
}
