using Npgsql;
using Threadline.Schema;

namespace Threadline.Capture;

/// <summary>A table's capture as recorded by Threadline, with what the catalog says about its triggers.</summary>
/// <param name="Schema">The captured table's schema.</param>
/// <param name="Table">The captured table's name.</param>
/// <param name="FunctionName">The table's own trigger function, in the audit schema.</param>
/// <param name="KeyColumns">The columns recorded as the row key of each change.</param>
/// <param name="Options">The capture options stored when capture was enabled or last changed.</param>
/// <param name="EnabledAt">When capture was first enabled on the table.</param>
/// <param name="OptionsChangedAt">When the stored options last changed.</param>
/// <param name="ActiveTriggers">How many of the four capture triggers exist and are enabled; capture is whole only at 4.</param>
public sealed record CapturedTable(
    string Schema,
    string Table,
    string FunctionName,
    IReadOnlyList<string> KeyColumns,
    TableCaptureOptions Options,
    DateTimeOffset EnabledAt,
    DateTimeOffset OptionsChangedAt,
    int ActiveTriggers)
{
    /// <summary>Whether all four capture triggers exist and are enabled, so every kind of write is captured.</summary>
    public bool IsActive => ActiveTriggers == CaptureSqlGenerator.TriggerNames.Count;
}

/// <summary>What <see cref="CaptureManager.ApplyAsync"/> did, table by table ("schema.table").</summary>
/// <param name="Enabled">Tables whose capture was enabled.</param>
/// <param name="Changed">Tables whose capture got new options or was regenerated.</param>
/// <param name="Unchanged">Tables already captured as asked.</param>
/// <param name="Disabled">Captured tables that were not listed and were disabled (only with <c>disableUnlisted</c>).</param>
public sealed record CaptureApplyResult(IReadOnlyList<string> Enabled, IReadOnlyList<string> Changed, IReadOnlyList<string> Unchanged, IReadOnlyList<string> Disabled);

/// <summary>
/// Enables, changes and disables capture per table. Every call is idempotent and runs in one transaction on a
/// direct connection, as DDL should.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class CaptureManager(ThreadlineSchemaOptions? options = null)
{
    /// <summary>The schema and role names of the installation this manager works on.</summary>
    public ThreadlineSchemaOptions Options { get; } = options ?? ThreadlineSchemaOptions.Default;

    private AuditSchemaNames Names => AuditSchemaNames.For(Options);

    /// <summary>Reads a table's columns and primary key; throws <see cref="CaptureException"/> when the table does not exist.</summary>
    public async Task<TableDefinition> DescribeAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT c.oid,
                   array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                   coalesce(array(SELECT a.attname::text
                                    FROM pg_catalog.pg_index i
                                    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                                    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                                   WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.ord), '{}')
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CaptureException($"Table {schema}.{table} does not exist (names are case-sensitive).");
        }

        return new TableDefinition(schema, table, reader.GetFieldValue<string[]>(1), reader.GetFieldValue<string[]>(2));
    }

    /// <summary>The DDL that <see cref="EnableAsync"/> would run, for review or for a migration tool.</summary>
    public async Task<string> GetEnableScriptAsync(NpgsqlConnection connection, TableCaptureOptions options, CancellationToken cancellationToken = default)
    {
        var table = await DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        return CaptureSqlGenerator.EnableSql(table, options, Options);
    }

    /// <summary>Enables capture on a table, or applies new options to it. Rerunning with the same options is harmless.</summary>
    public async Task<CapturedTable> EnableAsync(NpgsqlConnection connection, TableCaptureOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var table = await DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        var sql = CaptureSqlGenerator.EnableSql(table, options, Options);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var listed = await ListAsync(connection, cancellationToken).ConfigureAwait(false);
        return listed.Single(t => t.Schema == options.Schema && t.Table == options.Table);
    }

    /// <summary>
    /// Converges capture to <paramref name="desired"/> (for example from configuration): enables new tables, applies
    /// changed options and, when <paramref name="disableUnlisted"/> is set, disables captured tables not listed.
    /// Every option set is validated against the catalog before anything changes; then each table is applied in its
    /// own transaction, and rerunning converges.
    /// </summary>
    public async Task<CaptureApplyResult> ApplyAsync(NpgsqlConnection connection, IEnumerable<TableCaptureOptions> desired, bool disableUnlisted = false, CancellationToken cancellationToken = default)
    {
        var wanted = (await ValidateDesiredAsync(connection, desired, cancellationToken).ConfigureAwait(false)).Select(w => w.Options).ToArray();
        var current = (await ListAsync(connection, cancellationToken).ConfigureAwait(false)).ToDictionary(t => (t.Schema, t.Table));
        List<string> enabled = [], changed = [], unchanged = [], disabled = [];
        foreach (var options in wanted)
        {
            var name = $"{options.Schema}.{options.Table}";
            current.TryGetValue((options.Schema, options.Table), out var before);
            var after = await EnableAsync(connection, options, cancellationToken).ConfigureAwait(false);
            (before is null ? enabled : before.IsActive && after.OptionsChangedAt == before.OptionsChangedAt ? unchanged : changed).Add(name);
        }

        if (disableUnlisted)
        {
            foreach (var stale in current.Keys.Except(wanted.Select(o => (o.Schema, o.Table))))
            {
                await DisableAsync(connection, stale.Schema, stale.Table, cancellationToken).ConfigureAwait(false);
                disabled.Add($"{stale.Schema}.{stale.Table}");
            }
        }

        return new CaptureApplyResult(enabled, changed, unchanged, disabled);
    }

    /// <summary>
    /// What <see cref="ApplyAsync"/> would do with the same arguments, table by table, without changing anything or
    /// taking any lock beyond reading the catalog. The same validation runs first and throws the same errors.
    /// </summary>
    public async Task<IReadOnlyList<CapturePlanEntry>> PlanAsync(NpgsqlConnection connection, IEnumerable<TableCaptureOptions> desired, bool disableUnlisted = false, CancellationToken cancellationToken = default)
    {
        var wanted = await ValidateDesiredAsync(connection, desired, cancellationToken).ConfigureAwait(false);
        var current = (await ListAsync(connection, cancellationToken).ConfigureAwait(false)).ToDictionary(t => (t.Schema, t.Table));
        var drift = await FindDriftAsync(connection, cancellationToken).ConfigureAwait(false);
        var beforeAnonymousCheck = await StrictWithoutAnonymousCheckAsync(connection, cancellationToken).ConfigureAwait(false);
        var plan = new List<CapturePlanEntry>();
        foreach (var (options, keys) in wanted)
        {
            var name = $"{options.Schema}.{options.Table}";
            if (!current.TryGetValue((options.Schema, options.Table), out var before))
            {
                plan.Add(new CapturePlanEntry(name, CapturePlanAction.Enable, []));
                continue;
            }

            var differences = CapturePlanner.Differences(before, options, keys);
            var refresh = before.IsActive ? [] : new List<string> { $"only {before.ActiveTriggers} of {CaptureSqlGenerator.TriggerNames.Count} capture triggers are active; they would be recreated." };
            refresh.AddRange(drift.GetValueOrDefault(name) ?? []);
            if (beforeAnonymousCheck.Contains(name))
            {
                refresh.Add("its capture function predates the refusal of the anonymous actor (TL003) on tables that require an actor; it would be regenerated.");
            }

            plan.Add(differences.Count > 0 ? new CapturePlanEntry(name, CapturePlanAction.Change, [.. differences, .. refresh])
                : refresh.Count > 0 ? new CapturePlanEntry(name, CapturePlanAction.Refresh, refresh)
                : new CapturePlanEntry(name, CapturePlanAction.Unchanged, []));
        }

        var stale = current.Keys.Except(wanted.Select(w => (w.Options.Schema, w.Options.Table))).Select(k => $"{k.Schema}.{k.Table}");
        plan.AddRange(stale.Select(t => disableUnlisted
            ? new CapturePlanEntry(t, CapturePlanAction.Disable, ["not listed"])
            : new CapturePlanEntry(t, CapturePlanAction.Unchanged, ["not listed; kept (disableUnlisted is off)"])));
        return plan;
    }

    // Strict tables whose options were stored before AllowAnonymous existed: their capture functions were generated
    // without the anonymous check, and applying capture again adds it.
    private async Task<HashSet<string>> StrictWithoutAnonymousCheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT table_schema || '.' || table_name FROM {Names.CapturedTables} WHERE (options ->> 'require_actor')::boolean AND NOT options ? 'allow_anonymous'",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>
    /// Column drift of every captured table that exists ("schema.table" to findings, only tables with drift): redacted
    /// or key columns renamed or dropped, columns added, since capture was last applied (<see cref="ColumnDrift"/>).
    /// Needs only catalog access and SELECT on captured_tables.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> FindDriftAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(Names.Statement("capture_drift"), connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var drift = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (schema, table, keys, json) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3));
            var columns = reader.GetFieldValue<int[]>(4).Zip(reader.GetFieldValue<string[]>(5)).ToDictionary(c => c.First, c => c.Second);
            var found = ColumnDrift.Find(keys, StoredCaptureOptions.FromJson(schema, table, keys, json), json, columns);
            if (found.Count > 0)
            {
                drift[$"{schema}.{table}"] = found;
            }
        }

        return drift;
    }

    // Every entry is validated against the catalog before anything changes; returns each with its resolved keys.
    private async Task<IReadOnlyList<(TableCaptureOptions Options, IReadOnlyList<string> Keys)>> ValidateDesiredAsync(NpgsqlConnection connection, IEnumerable<TableCaptureOptions> desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var wanted = desired.ToArray();
        var duplicate = wanted.GroupBy(o => (o.Schema, o.Table)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CaptureException($"Table {duplicate.Key.Schema}.{duplicate.Key.Table} is listed more than once in the capture configuration.");
        }

        var validated = new List<(TableCaptureOptions, IReadOnlyList<string>)>();
        foreach (var options in wanted)
        {
            var table = await DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
            try
            {
                validated.Add((options, CaptureSqlGenerator.Validate(table, options, Options)));
            }
            catch (CaptureException ex)
            {
                // Options that name a column renamed or dropped since capture was applied: say what became of it.
                var drift = await FindDriftAsync(connection, cancellationToken).ConfigureAwait(false);
                throw drift.TryGetValue($"{options.Schema}.{options.Table}", out var found)
                    ? new CaptureException($"{ex.Message} Since capture was applied: {string.Join(" ", found)}")
                    : ex;
            }
        }

        return validated;
    }

    /// <summary>Removes the capture triggers and function of a table. Its audit history stays.</summary>
    public async Task DisableAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken = default)
    {
        var sql = CaptureSqlGenerator.DisableScript(schema, table, Options);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lists the tables registered in <c>captured_tables</c>, each with how many of its capture triggers the catalog shows
    /// enabled and calling the table's own function; read-only.
    /// </summary>
    /// <param name="connection">An open connection with SELECT on <c>captured_tables</c>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The registered tables, ordered by schema and name.</returns>
    public async Task<IReadOnlyList<CapturedTable>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(Names.Statement("captured_tables"), connection);
        command.Parameters.Add(new NpgsqlParameter { Value = CaptureSqlGenerator.TriggerNames.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<CapturedTable>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var schema = reader.GetString(0);
            var table = reader.GetString(1);
            var keys = reader.GetFieldValue<string[]>(3);
            tables.Add(new CapturedTable(
                schema, table, reader.GetString(2), keys, StoredCaptureOptions.FromJson(schema, table, keys, reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7)));
        }

        return tables;
    }

    /// <summary>Whether every captured table rejects writes without an actor, whatever its own option says.</summary>
    public async Task<bool> GetRequireActorEverywhereAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand($"SELECT require_actor FROM {Names.Settings}", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Turns strict attribution on or off for every captured table at once (schema version 2 or later).</summary>
    public async Task SetRequireActorEverywhereAsync(NpgsqlConnection connection, bool required, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(
            $"UPDATE {Names.Settings} SET require_actor = $1, changed_at = now()", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = required });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
