using System.Diagnostics;
using Npgsql;
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

    private AuditSchemaNames Names => AuditSchemaNames.For(_options);

    private string Changes => Names.Changes;

    private string Actions => Names.Actions;

    private string CapturedTables => Names.CapturedTables;

    /// <summary>"Old enough" for a change <c>c</c> (Sql/Statements/purge_change_expired.sql), used by every purge statement.</summary>
    private string ChangeExpired => Names.Statement("purge_change_expired");

    // The heads of the transactions old enough to purge whole (Sql/Statements/purge_heads.sql).
    private string Heads => Names.Statement("purge_heads").Replace("{{change_expired}}", ChangeExpired, StringComparison.Ordinal);

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
                await ScalarAsync<long>(connection, $"SELECT count(*) FROM ({Heads}) h", predicate.Parameters(), cancellationToken).ConfigureAwait(false),
                await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Actions} a WHERE a.recorded_at < $6", predicate.Parameters(), cancellationToken).ConfigureAwait(false),
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
            await using (var drop = new NpgsqlCommand($"SELECT partition_name, table_key, row_count FROM {Names.DropChangePartitionsBefore}($1)", connection))
            {
                drop.Parameters.Add(new NpgsqlParameter { Value = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                await using var reader = await drop.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.IsDBNull(1))
                    {
                        dropped.Add(reader.GetString(0));
                    }
                    else if (reader.GetString(1).Length == 0)
                    {
                        transactions += reader.GetInt64(2);
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

        // Changes first (whole transactions, and other old changes whose transaction stays), then actions (Sql/Statements/purge_*.sql).
        var steps = new (string Sql, Action<NpgsqlDataReader> Count)[]
        {
            (Names.Statement("purge_changes").Replace("{{heads}}", Heads, StringComparison.Ordinal).Replace("{{change_expired}}", ChangeExpired, StringComparison.Ordinal),
             reader =>
             {
                 if (reader.IsDBNull(0))
                 {
                     transactions += reader.GetInt64(1);
                 }
                 else if (reader.GetString(0).Length > 0)
                 {
                     byTable[reader.GetString(0)] = byTable.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
                 }
             }),
            (Names.Statement("purge_actions"), reader => actions += reader.GetInt64(1)),
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
                    command.Parameters.Add(new NpgsqlParameter { Value = limits.BatchSize });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // How full the batch was: purge_changes says so in its '' row, purge_actions in its only row.
                        if (!reader.IsDBNull(0) && reader.GetString(0) is "" or "actions")
                        {
                            deleted += reader.GetInt64(1);
                        }

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
        await using var command = new NpgsqlCommand(Names.Statement("partitions_droppable"), connection);
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
            $"""
            SELECT tb.table_schema || '.' || tb.table_name, count(*)
              FROM {Changes} x JOIN {Names.Tables} tb ON tb.table_id = x.table_id
             WHERE x.tx_id IN (SELECT h.id FROM ({Heads}) h)
                OR (x.tx_id <> x.id AND (SELECT {ChangeExpired} FROM (SELECT x.captured_at, x.table_id) c))
             GROUP BY 1 ORDER BY 1
            """, connection);
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

    /// <summary>
    /// The cutoffs of "old enough", shared by the dry run and the execute run; the predicates over them are in
    /// Sql/Statements (purge_change_expired.sql and the purge statements).
    /// </summary>
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
    }
}
