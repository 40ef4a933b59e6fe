using System.Diagnostics;
using Npgsql;
using Threadline.Operations.Integrity;
using Threadline.Schema;

namespace Threadline.Operations;

/// <summary>
/// Applies a <see cref="RetentionPolicy"/>. A dry run (the default) counts exactly what an execute run would delete
/// at the same <c>asOf</c> time, with the same predicates. An execute run deletes in bounded batches, each its own
/// short transaction, so no lock is held for long; changes go first, then transactions left without changes, then
/// actions. Each batch writes a purge-log entry (ids and digest of what it removed) in the same statement, so verify
/// integrity counts purged rows as purged, not as tampering. Run it as a role in the retention group.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class RetentionPurger(ThreadlineSchemaOptions? options = null)
{
    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    private string Changes => SqlIdentifier.Qualified(_options.Schema, "changes");

    private string Transactions => SqlIdentifier.Qualified(_options.Schema, "transactions");

    private string Actions => SqlIdentifier.Qualified(_options.Schema, "actions");

    private string CapturedTables => SqlIdentifier.Qualified(_options.Schema, "captured_tables");

    /// <summary>
    /// Counts (dry run) or deletes (execute) the audit rows <paramref name="policy"/> no longer keeps: changes older than their
    /// table's window, then transactions left without changes, then actions. Executed batches each write a purge-log entry in
    /// the same statement. With partitioning, partitions wholly older than every window are first dropped whole (the
    /// purge log records what they held), and the rest is deleted in batches.
    /// </summary>
    /// <param name="connection">An open connection as a role in the retention group.</param>
    /// <param name="policy">The windows to apply; validated first.</param>
    /// <param name="execute">False (the default) only counts. Deleting audit history needs this set explicitly.</param>
    /// <param name="limits">Bounds on an executed run; 5,000 rows per batch and no other limit when omitted.</param>
    /// <param name="asOf">The purge's "now"; defaults to the database's now(). Pass the dry run's value to execute exactly what it counted.</param>
    /// <param name="progress">Called after each executed batch with the running summary.</param>
    /// <param name="cancellationToken">Cancels the run between or during batches; committed batches stay deleted.</param>
    /// <returns>What was deleted or would be; <see cref="PurgeSummary.Complete"/> is false when a limit stopped the run early.</returns>
    /// <exception cref="ArgumentException">A window is shorter than one hour or a table is not written schema.table, or the batch size is outside 1 to 100,000.</exception>
    public async Task<PurgeSummary> PurgeAsync(
        NpgsqlConnection connection, RetentionPolicy policy, bool execute = false, PurgeLimits? limits = null,
        DateTimeOffset? asOf = null, Action<PurgeSummary>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        limits ??= new PurgeLimits();
        if (limits.BatchSize is < 1 or > 100_000)
        {
            throw new ArgumentException("The purge batch size must be from 1 to 100,000.", nameof(limits));
        }

        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.purge");
        activity?.SetTag("threadline.purge.execute", execute);
        var started = Stopwatch.StartNew();
        var now = asOf ?? new DateTimeOffset(await ScalarAsync<DateTime>(connection, "SELECT now()", [], cancellationToken).ConfigureAwait(false), TimeSpan.Zero);
        var predicate = new PurgePredicate(policy, now);

        var partitioned = await PartitioningManager.IsPartitionedAsync(connection, _options, cancellationToken).ConfigureAwait(false);
        var partitionCutoff = now - policy.LongestWindow;
        PurgeSummary summary;
        if (!execute)
        {
            summary = new PurgeSummary(false, now, await CountChangesAsync(connection, predicate, cancellationToken).ConfigureAwait(false),
                await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Transactions} t WHERE {predicate.TransactionSql(Changes, willPurgeChanges: true)}", predicate.Parameters(), cancellationToken).ConfigureAwait(false),
                await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Actions} a WHERE {predicate.ActionSql}", predicate.Parameters(), cancellationToken).ConfigureAwait(false),
                0, started.Elapsed, true)
            {
                Partitions = partitioned ? await DroppablePartitionsAsync(connection, partitionCutoff, cancellationToken).ConfigureAwait(false) : [],
            };
        }
        else
        {
            summary = await ExecuteAsync(connection, predicate, limits, now, partitioned ? partitionCutoff : null, started, progress, cancellationToken).ConfigureAwait(false);
            ThreadlineTelemetry.PurgedRows.Add(summary.Changes, new KeyValuePair<string, object?>("kind", "change"));
            ThreadlineTelemetry.PurgedRows.Add(summary.Transactions, new KeyValuePair<string, object?>("kind", "transaction"));
            ThreadlineTelemetry.PurgedRows.Add(summary.Actions, new KeyValuePair<string, object?>("kind", "action"));
            ThreadlineTelemetry.PurgeDuration.Record(summary.Duration.TotalSeconds);
        }

        activity?.SetTag("threadline.purge.changes", summary.Changes);
        activity?.SetTag("threadline.purge.complete", summary.Complete);
        return summary;
    }

    private async Task<PurgeSummary> ExecuteAsync(
        NpgsqlConnection connection, PurgePredicate predicate, PurgeLimits limits, DateTimeOffset now, DateTimeOffset? partitionCutoff, Stopwatch started,
        Action<PurgeSummary>? progress, CancellationToken cancellationToken)
    {
        var byTable = new Dictionary<string, long>(StringComparer.Ordinal);
        long transactions = 0, actions = 0;
        var batches = 0;
        var dropped = new List<string>();
        PurgeSummary Snapshot(bool complete) => new(true, now, new Dictionary<string, long>(byTable), transactions, actions, batches, started.Elapsed, complete) { Partitions = [.. dropped] };

        if (partitionCutoff is { } cutoff)
        {
            // Whole partitions older than every window go first: one catalog operation each instead of row deletes.
            await using (var drop = new NpgsqlCommand($"SELECT partition_name, table_key, row_count FROM {SqlIdentifier.Quote(_options.Schema)}.drop_change_partitions_before($1)", connection))
            {
                drop.Parameters.Add(new NpgsqlParameter { Value = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                await using var reader = await drop.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.IsDBNull(1))
                    {
                        dropped.Add(reader.GetString(0));
                    }
                    else
                    {
                        byTable[reader.GetString(1)] = byTable.GetValueOrDefault(reader.GetString(1)) + reader.GetInt64(2);
                    }
                }
            }

            await MarkPurgedAsync(connection, byTable.Keys, cancellationToken).ConfigureAwait(false);
            await new PartitioningManager(_options).EnsurePartitionsAsync(connection, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        bool LimitReached() =>
            (limits.MaxBatches is { } max && batches >= max) || (limits.MaxDuration is { } duration && started.Elapsed >= duration);

        var steps = new (string Sql, Action<NpgsqlDataReader> Count)[]
        {
            ($"""
              WITH doomed AS (DELETE FROM {Changes} WHERE id IN (SELECT c.id FROM {Changes} c WHERE {predicate.ChangeSql("c")} ORDER BY c.captured_at LIMIT {limits.BatchSize})
                              RETURNING *),
              logged AS ({PurgeLogSql(AuditRowKind.Change)}),
              counted AS (SELECT table_schema, table_name, count(*) AS n FROM doomed GROUP BY 1, 2),
              -- In the same statement as the delete: the completeness check must know this history is gone.
              marked AS (UPDATE {CapturedTables} ct SET history_purged_at = now() FROM counted d
                          WHERE ct.table_schema = d.table_schema AND ct.table_name = d.table_name)
              SELECT table_schema || '.' || table_name, n FROM counted
              """,
             reader => byTable[reader.GetString(0)] = byTable.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1)),
            ($"""
              WITH doomed AS (DELETE FROM {Transactions} WHERE id IN (SELECT t.id FROM {Transactions} t WHERE {predicate.TransactionSql(Changes, willPurgeChanges: false)} LIMIT {limits.BatchSize}) RETURNING *),
              logged AS ({PurgeLogSql(AuditRowKind.Transaction)})
              SELECT 'transactions', count(*) FROM doomed
              """,
             reader => transactions += reader.GetInt64(1)),
            ($"""
              WITH doomed AS (DELETE FROM {Actions} WHERE id IN (SELECT a.id FROM {Actions} a WHERE {predicate.ActionSql} LIMIT {limits.BatchSize}) RETURNING 1)
              SELECT 'actions', count(*) FROM doomed
              """,
             reader => actions += reader.GetInt64(1)),
        };

        foreach (var (sql, count) in steps)
        {
            while (true)
            {
                if (LimitReached())
                {
                    return Snapshot(complete: false);
                }

                long deleted = 0;
                await using (var command = new NpgsqlCommand(sql, connection))
                {
                    command.Parameters.AddRange(predicate.Parameters());
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        deleted += reader.GetInt64(1);
                        count(reader);
                    }
                }

                batches++;
                progress?.Invoke(Snapshot(complete: false));
                if (deleted < limits.BatchSize)
                {
                    break;
                }

                if (limits.PauseBetweenBatches > TimeSpan.Zero)
                {
                    await Task.Delay(limits.PauseBetweenBatches, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return Snapshot(complete: true);
    }

    /// <summary>
    /// The purge-log entry of one batch, written in the statement that deletes it (a CTE over <c>doomed</c>): the
    /// removed ids and a digest of the removed rows, so that verify integrity counts them as purged, not deleted.
    /// </summary>
    private string PurgeLogSql(AuditRowKind kind)
    {
        var s = SqlIdentifier.Quote(_options.Schema);
        var hash = kind == AuditRowKind.Change
            ? $"{s}.change_row_hash(id, transaction_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)"
            : $"{s}.transaction_row_hash(id, txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id, request_id, correlation_id, trace_id, job_id, source, context, refused_context)";
        return $"""
            INSERT INTO {s}.purge_log (kind, ids, row_count, digest, reason)
            SELECT {(int)kind}, range_agg(int8range(id, id, '[]')), count(*), sha256(string_agg(int8send(id) || {hash}, ''::bytea ORDER BY id)), 'retention'
              FROM doomed HAVING count(*) > 0
            """;
    }

    /// <summary>Dropped partitions took these tables' history with them (CompletenessChecker reads the mark).</summary>
    private async Task MarkPurgedAsync(NpgsqlConnection connection, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        var names = tables.ToArray();
        if (names.Length == 0)
        {
            return;
        }

        await using var mark = new NpgsqlCommand(
            $"UPDATE {CapturedTables} SET history_purged_at = now() WHERE table_schema || '.' || table_name = ANY ($1)", connection);
        mark.Parameters.Add(new NpgsqlParameter { Value = names });
        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> DroppablePartitionsAsync(NpgsqlConnection connection, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.relname::text FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = to_regclass($1) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
               AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= $2
             ORDER BY 1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Changes });
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var partitions = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Add(reader.GetString(0));
        }

        return partitions;
    }

    private async Task<IReadOnlyDictionary<string, long>> CountChangesAsync(NpgsqlConnection connection, PurgePredicate predicate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT c.table_schema || '.' || c.table_name, count(*) FROM {Changes} c WHERE {predicate.ChangeSql("c")} GROUP BY 1 ORDER BY 1", connection);
        command.Parameters.AddRange(predicate.Parameters());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The one definition of "old enough", shared by the dry run and the execute run.</summary>
    private sealed class PurgePredicate(RetentionPolicy policy, DateTimeOffset now)
    {
        private readonly string[] _schemas = policy.TableWindows.Keys.Select(k => k[..k.IndexOf('.', StringComparison.Ordinal)]).ToArray();
        private readonly string[] _tables = policy.TableWindows.Keys.Select(k => k[(k.IndexOf('.', StringComparison.Ordinal) + 1)..]).ToArray();
        private readonly DateTime[] _cutoffs = policy.TableWindows.Values.Select(w => (now - w).UtcDateTime).ToArray();

        // $1 overridden schemas, $2 their tables, $3 their cutoffs, $4 default cutoff, $5 shortest cutoff, $6 action cutoff.
        public NpgsqlParameter[] Parameters() =>
        [
            new() { Value = _schemas, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
            new() { Value = _tables, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
            new() { Value = _cutoffs, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz },
            new() { Value = (now - policy.DefaultWindow).UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
            new() { Value = (now - policy.ShortestWindow).UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
            new() { Value = (now - (policy.ActionWindow ?? policy.DefaultWindow)).UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
        ];

        // Every purgeable change is older than the shortest window's cutoff ($5); saying so lets the time index find
        // the rows from the oldest end instead of walking past every newer change. It changes no answer.
        public string ChangeSql(string alias) => $"""
            ({alias}.captured_at < $5 AND {alias}.captured_at < coalesce(
                (SELECT o.cutoff FROM unnest($1::text[], $2::text[], $3::timestamptz[]) o(s, t, cutoff) WHERE o.s = {alias}.table_schema AND o.t = {alias}.table_name),
                $4))
            """;

        /// <param name="changes">The qualified changes table to look for remaining changes in.</param>
        /// <param name="willPurgeChanges">Dry run: count transactions whose every change would go; execute: those with no change left.</param>
        public string TransactionSql(string changes, bool willPurgeChanges) => willPurgeChanges
            ? $"t.started_at < $5 AND NOT EXISTS (SELECT FROM {changes} k WHERE k.transaction_id = t.id AND NOT {ChangeSql("k")})"
            : $"t.started_at < $5 AND NOT EXISTS (SELECT FROM {changes} k WHERE k.transaction_id = t.id)";

        public string ActionSql => "a.recorded_at < $6";
    }
}
