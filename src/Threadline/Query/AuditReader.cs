using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Query;

/// <summary>A captured database transaction and who was behind it.</summary>
/// <param name="Id">The audit transaction id (<c>transactions.id</c>, not the PostgreSQL xid).</param>
/// <param name="StartedAt">When the database transaction began.</param>
/// <param name="FirstChangeAt">When its first audited change was captured.</param>
/// <param name="ActorType">The actor's type; <see langword="null"/> when the transaction carried no context.</param>
/// <param name="ActorId">The actor's id; <see langword="null"/> for an anonymous actor or no context.</param>
/// <param name="OnBehalfOfType">The type of the actor the work was done for, if any.</param>
/// <param name="OnBehalfOfId">The id of the actor the work was done for, if any.</param>
/// <param name="RequestId">The request id from the context.</param>
/// <param name="CorrelationId">The correlation id from the context.</param>
/// <param name="TraceId">The trace id from the context.</param>
/// <param name="JobId">The job or message id from the context.</param>
/// <param name="Source">The subsystem that wrote (<c>http</c>, <c>job</c>, ...).</param>
/// <param name="ActionId">The semantic action recorded in the transaction, if any.</param>
public sealed record AuditTransaction(
    long Id,
    DateTimeOffset StartedAt,
    DateTimeOffset FirstChangeAt,
    string? ActorType,
    string? ActorId,
    string? OnBehalfOfType,
    string? OnBehalfOfId,
    string? RequestId,
    string? CorrelationId,
    string? TraceId,
    string? JobId,
    string? Source,
    long? ActionId);

/// <summary>One captured row change. JSON columns are returned as JSON text, exactly as stored.</summary>
/// <param name="Id">The change's id.</param>
/// <param name="TransactionId">The audit transaction it belongs to.</param>
/// <param name="TableSchema">The changed table's schema.</param>
/// <param name="TableName">The changed table's name.</param>
/// <param name="Op"><c>insert</c>, <c>update</c>, <c>delete</c>, <c>truncate</c> or <c>baseline</c>.</param>
/// <param name="RowKey">The row's key columns, for example <c>{"id": 42}</c>; null for a truncate.</param>
/// <param name="DataAfter">The redacted row after an insert, update or baseline.</param>
/// <param name="ChangedFields">The columns an update changed; null for other operations.</param>
/// <param name="DataBefore">The previous values of the changed columns (update) or the whole previous row (delete), redacted.</param>
/// <param name="CapturedAt">When the change was captured.</param>
public sealed record AuditChange(
    long Id,
    long TransactionId,
    string TableSchema,
    string TableName,
    string Op,
    JsonElement? RowKey,
    JsonElement? DataAfter,
    IReadOnlyList<string>? ChangedFields,
    JsonElement? DataBefore,
    DateTimeOffset CapturedAt);

/// <summary>
/// Read side of the audit tables: timeline, row history, point-in-time state, drill-down, diffs, actor activity and
/// actions. Use a data source whose role is the reader role. Filters are validated before any SQL runs.
/// </summary>
/// <param name="dataSource">Connections as the reader role.</param>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class AuditReader(NpgsqlDataSource dataSource, ThreadlineSchemaOptions? options = null)
{
    private readonly AuditSql _sql = new(options ?? ThreadlineSchemaOptions.Default);

    /// <summary>A page of changes matching <paramref name="query"/>, with the cursor of the next page.</summary>
    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        QueryAsync(query.Filter, query.Cursor, query.Limit, query.Order, cancellationToken);

    /// <summary>
    /// A page of changes matching <paramref name="filter"/>, each with its transaction's context, in <paramref name="order"/>;
    /// one indexed query as the reader role.
    /// </summary>
    /// <param name="filter">Which changes.</param>
    /// <param name="cursor">Where the previous page ended; <see langword="null"/> for the first page.</param>
    /// <param name="limit">Page size, 1 to <see cref="AuditFilterParser.MaxLimit"/>.</param>
    /// <param name="order">Newest or oldest first; keep it the same across pages.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The page, with the cursor of the next page or <see langword="null"/> on the last.</returns>
    /// <exception cref="AuditQueryException"><paramref name="limit"/> is out of range.</exception>
    public async Task<AuditPage> QueryAsync(AuditFilter filter, AuditCursor? cursor = null, int limit = AuditFilterParser.DefaultLimit, AuditOrder order = AuditOrder.NewestFirst, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > AuditFilterParser.MaxLimit)
        {
            throw new AuditQueryException(AuditQueryError.Malformed, "limit", $"'limit' must be from 1 to {AuditFilterParser.MaxLimit}.");
        }

        var items = await ReadPageAsync(filter, cursor, limit, order, cancellationToken).ConfigureAwait(false);
        if (items.Count <= limit)
        {
            return new AuditPage(items, null);
        }

        items.RemoveAt(limit);
        var last = items[^1];
        return new AuditPage(items, new AuditCursor(last.CapturedAt, last.Id).Encode());
    }

    private async Task<List<AuditEntry>> ReadPageAsync(AuditFilter filter, AuditCursor? cursor, int limit, AuditOrder order, CancellationToken cancellationToken)
    {
        await using var command = CreatePageCommand(filter, cursor, limit, order);
        return await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The page query exactly as <see cref="QueryAsync(AuditFilter, AuditCursor?, int, AuditOrder, CancellationToken)"/> runs it (the integration tests EXPLAIN it).</summary>
    internal NpgsqlCommand CreatePageCommand(AuditFilter filter, AuditCursor? cursor, int limit, AuditOrder order)
    {
        var command = dataSource.CreateCommand();
        var fromWhere = _sql.FromWhere(filter, cursor, order, command.Parameters);
        command.CommandText = $"SELECT {_sql.EntryColumns} {fromWhere} {AuditSql.OrderBy(order)} LIMIT {limit + 1}";
        return command;
    }

    /// <summary>How many changes match, for dry runs and pagination hints.</summary>
    public async Task<long> CountAsync(AuditFilter filter, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT count(*) {_sql.FromWhere(filter, null, AuditOrder.NewestFirst, command.Parameters)}";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Every change of one row, oldest first, page by page.</summary>
    public Task<AuditPage> GetRowHistoryAsync(string schema, string table, JsonObject key, AuditCursor? cursor = null, int limit = AuditFilterParser.DefaultLimit, CancellationToken cancellationToken = default) =>
        QueryAsync(new AuditFilter { Schema = schema, Table = table, RowKey = key }, cursor, limit, AuditOrder.OldestFirst, cancellationToken);

    /// <summary>One change with its transaction's context.</summary>
    /// <param name="id">The change's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The change, or <see langword="null"/> when there is none with that id (never captured, or purged).</returns>
    public async Task<AuditEntry?> GetChangeAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT {_sql.EntryColumns} FROM {_sql.Joined(_sql.Changes)} WHERE c.id = $1";
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>A change field by field. Masked values are reported as masked, never unmasked.</summary>
    public async Task<ChangeDiff?> GetDiffAsync(long changeId, CancellationToken cancellationToken = default)
    {
        var change = await GetChangeAsync(changeId, cancellationToken).ConfigureAwait(false);
        if (change is null)
        {
            return null;
        }

        var (masked, placeholder) = await GetMaskAsync(change.TableSchema, change.TableName, cancellationToken).ConfigureAwait(false);
        return new ChangeDiff(change, ChangeDiffer.Diff(change, masked, placeholder));
    }

    /// <summary>
    /// The row as it stood at <paramref name="at"/>, with distinct answers for deleted, not yet created, before
    /// auditing began, and no history.
    /// </summary>
    public async Task<RowState> GetStateAsOfAsync(string schema, string table, JsonObject key, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        AuditFilterParser.Validate(new AuditFilter { Schema = schema, Table = table, RowKey = key });
        await using var command = dataSource.CreateCommand(_sql.Names.Statement("row_state_as_of"));
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        command.Parameters.Add(new NpgsqlParameter { Value = key.ToJsonString(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        // A table dropped from capture keeps its history: fall back to its first captured change.
        DateTimeOffset? since = !reader.IsDBNull(0) ? reader.GetFieldValue<DateTimeOffset>(0) : reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
        long? changeId = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        var op = AuditEntry.Text(reader, 3);
        var after = AuditEntry.Json(reader, 4);
        DateTimeOffset? changedAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
        long? truncateId = reader.IsDBNull(6) ? null : reader.GetInt64(6);
        DateTimeOffset? truncatedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7);
        var nextOp = AuditEntry.Text(reader, 8);
        var laterChanges = nextOp is not null;
        // Before the row's first recorded change, an update or delete means it already existed (captured without a
        // baseline): its image then is the update's previous values over its new row, or the deleted row.
        var existedBefore = nextOp is "update" or "delete" ? AuditEntry.Json(reader, 9) : null;

        if (truncatedAt is { } t && (changedAt is null || (t, truncateId!.Value).CompareTo((changedAt.Value, changeId!.Value)) > 0))
        {
            // A TRUNCATE after the row's last change removed it, whether or not it was ever seen before.
            return changedAt is null && laterChanges
                ? new RowState(RowStateKind.NotYetCreated, null, null, null, since)
                : new RowState(RowStateKind.Deleted, null, truncateId, t, since);
        }

        return op switch
        {
            "insert" or "update" or "baseline" => new RowState(RowStateKind.Exists, after, changeId, changedAt, since),
            "delete" => new RowState(RowStateKind.Deleted, null, changeId, changedAt, since),
            _ when since is null || at < since => new RowState(RowStateKind.BeforeAuditing, null, null, null, since),
            _ when existedBefore is not null => new RowState(RowStateKind.Exists, existedBefore, null, null, since),
            _ when laterChanges => new RowState(RowStateKind.NotYetCreated, null, null, null, since),
            _ => new RowState(RowStateKind.NoHistory, null, null, null, since),
        };
    }

    /// <summary>What an actor changed between <paramref name="from"/> (inclusive) and <paramref name="to"/> (exclusive), per table and operation.</summary>
    public async Task<IReadOnlyList<ActorActivity>> GetActorActivityAsync(string actorType, string actorId, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand();
        var fromWhere = _sql.FromWhere(new AuditFilter { ActorType = actorType, ActorId = actorId, From = from, To = to }, null, AuditOrder.NewestFirst, command.Parameters);
        command.CommandText = $"""
            SELECT tb.table_schema, tb.table_name, {AuditSql.OpName("c")}, count(*), count(DISTINCT c.tx_id), min(c.captured_at), max(c.captured_at)
            {fromWhere}
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var activity = new List<ActorActivity>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            activity.Add(new ActorActivity(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return activity;
    }

    /// <summary>One semantic action recorded with <c>threadline.record_action</c>.</summary>
    /// <param name="id">The action's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The action, or <see langword="null"/> when there is none with that id.</returns>
    public async Task<AuditAction?> GetActionAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, name, status, reason, actor_type, actor_id, request_id, correlation_id, job_id, trace_id, recorded_at
              FROM {_sql.Actions} WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AuditAction(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), AuditEntry.Text(reader, 3), reader.GetString(4),
            AuditEntry.Text(reader, 5), AuditEntry.Text(reader, 6), AuditEntry.Text(reader, 7), AuditEntry.Text(reader, 8), AuditEntry.Text(reader, 9),
            reader.GetFieldValue<DateTimeOffset>(10));
    }

    /// <summary>One audited transaction with its context: who, for whom, and the request, correlation, trace and job ids.</summary>
    /// <param name="id">The audit transaction id (<c>transactions.id</c>, not the PostgreSQL xid).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The transaction, or <see langword="null"/> when there is none with that id.</returns>
    public async Task<AuditTransaction?> GetTransactionAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
                   request_id, correlation_id, trace_id, job_id, source, action_id
              FROM {_sql.Transactions} WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AuditTransaction(
            reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
            AuditEntry.Text(reader, 3), AuditEntry.Text(reader, 4), AuditEntry.Text(reader, 5), AuditEntry.Text(reader, 6), AuditEntry.Text(reader, 7), AuditEntry.Text(reader, 8),
            AuditEntry.Text(reader, 9), AuditEntry.Text(reader, 10), AuditEntry.Text(reader, 11), reader.IsDBNull(12) ? null : reader.GetInt64(12));
    }

    /// <summary>Every change of one audited transaction, in capture order.</summary>
    /// <param name="transactionId">The audit transaction id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The changes; empty when the transaction has none left or does not exist.</returns>
    public async Task<IReadOnlyList<AuditChange>> GetChangesAsync(long transactionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT c.id, c.tx_id, tb.table_schema, tb.table_name, {AuditSql.OpName("c")}, ({AuditSql.RowKeyJson("c", "tb")})::text, c.data_after::text,
                   {AuditSql.ChangedFields("c")}, c.data_before::text, c.captured_at
              FROM {_sql.Changes} c JOIN {_sql.Tables} tb ON tb.table_id = c.table_id
             WHERE c.id = $1 AND c.tx_id = c.id OR c.tx_id = $1 AND c.tx_id <> c.id
             ORDER BY c.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = transactionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var changes = new List<AuditChange>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add(new AuditChange(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                AuditEntry.Json(reader, 5), AuditEntry.Json(reader, 6), reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7), AuditEntry.Json(reader, 8),
                reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return changes;
    }

    private async Task<(IReadOnlySet<string> Masked, string Placeholder)> GetMaskAsync(string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT options::text FROM {_sql.CapturedTables} WHERE table_schema = $1 AND table_name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        var json = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        var options = json is null ? null : StoredCaptureOptions.FromJson(schema, table, [], json);
        return (new HashSet<string>(options?.Mask ?? [], StringComparer.Ordinal), options?.MaskPlaceholder ?? TableCaptureOptions.DefaultMaskPlaceholder);
    }

    private static async Task<List<AuditEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(AuditEntry.Read(reader));
        }

        return entries;
    }
}
