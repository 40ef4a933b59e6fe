using Npgsql;
using NpgsqlTypes;
using Threadline.Schema;

namespace Threadline.Query;

/// <summary>
/// Turns a validated <see cref="AuditFilter"/> into a WHERE clause with parameters; values are never inlined. Reads the
/// one-row-per-change layout (schema version 13): a change <c>c</c>, its table <c>tb</c> in the registry, and its
/// transaction's head <c>t</c> (the change whose id is <c>c.tx_id</c>), which carries the transaction's context.
/// </summary>
internal sealed class AuditSql(ThreadlineSchemaOptions options)
{
    /// <summary>The operation's name (insert, update, delete, truncate, baseline) from its one-letter code.</summary>
    public static string OpName(string change) =>
        $"CASE {change}.op WHEN 'i' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 't' THEN 'truncate' WHEN 'b' THEN 'baseline' END";

    /// <summary>The one-letter code of an operation name, as stored in <c>changes.op</c>.</summary>
    public static string OpCode(string name) => name switch
    {
        "insert" => "i",
        "update" => "u",
        "delete" => "d",
        "truncate" => "t",
        "baseline" => "b",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown operation."),
    };

    /// <summary>The row key with its natural JSON types ({"id": 42}), rebuilt from the change's image and the table's key columns.</summary>
    public static string RowKeyJson(string change, string table) =>
        $"CASE WHEN {change}.op <> 't' THEN (SELECT jsonb_object_agg(k.k, coalesce({change}.data_after, {change}.data_before) -> k.k) FROM unnest({table}.key_columns) k(k)) END";

    /// <summary>The changed columns of an update, sorted: the keys of its before values.</summary>
    public static string ChangedFields(string change) =>
        $"CASE WHEN {change}.op = 'u' AND {change}.data_before IS NOT NULL THEN ARRAY(SELECT f FROM jsonb_object_keys({change}.data_before) f ORDER BY f) END";

    /// <summary>
    /// The stored text of a JSON row key ({"id": 42}) for a table: the capture's own expression (one column: its JSON
    /// text, several: the JSON array of their values), so a key compares as its JSON does.
    /// </summary>
    public static string RowKeyText(string jsonKey, string table) =>
        $"(CASE WHEN cardinality({table}.key_columns) = 1 THEN {jsonKey} ->> {table}.key_columns[1] " +
        $"ELSE (SELECT jsonb_agg({jsonKey} -> u.k ORDER BY u.o) FROM unnest({table}.key_columns) WITH ORDINALITY u(k, o))::text END) COLLATE \"C\"";

    /// <summary>
    /// A head's first action: on the head when it was recorded before the transaction's first write, else found by the
    /// transaction's (txid, started_at); recording an action never rewrites a change row (its xmin is what the
    /// completeness check matches).
    /// </summary>
    public string ActionId(string head) =>
        $"coalesce({head}.action_id, (SELECT min(a.id) FROM {Actions} a WHERE a.txid = {head}.txid AND a.tx_started_at = {head}.started_at))";

    /// <summary>What <see cref="AuditEntry.Read"/> reads, in its order, from a change c, its table tb and its head t.</summary>
    public string EntryColumns => $"""
        c.id, c.tx_id, tb.table_schema, tb.table_name, {OpName("c")}, ({RowKeyJson("c", "tb")})::text, c.data_after::text, {ChangedFields("c")},
        c.data_before::text, c.captured_at, t.started_at, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id,
        t.request_id, t.correlation_id, t.trace_id, t.job_id, t.source, {ActionId("t")}, t.refused_context ->> 'reason'
        """;

    public AuditSchemaNames Names { get; } = AuditSchemaNames.For(options);

    public string Changes => Names.Changes;

    public string Tables => Names.Tables;

    public string Transactions => Names.Transactions;

    public string Actions => Names.Actions;

    public string CapturedTables => Names.CapturedTables;

    public string Settings => Names.Settings;

    /// <summary>The join of a change <c>c</c> with its table <c>tb</c> and its transaction's head <c>t</c>.</summary>
    public string Joined(string changes) => $"{changes} c JOIN {Tables} tb ON tb.table_id = c.table_id JOIN {Changes} t ON t.id = c.tx_id";

    /// <summary>FROM ... WHERE ... for changes <c>c</c> with their table <c>tb</c> and head <c>t</c>, optionally after a cursor.</summary>
    public string FromWhere(AuditFilter filter, AuditCursor? cursor, AuditOrder order, NpgsqlParameterCollection parameters)
    {
        AuditFilterParser.Validate(filter);
        var conditions = new List<string>();
        void Add(string condition, object? value, NpgsqlDbType? type = null)
        {
            if (value is null)
            {
                return;
            }

            var parameter = type is { } t ? new NpgsqlParameter { Value = value, NpgsqlDbType = t } : new NpgsqlParameter { Value = value };
            parameters.Add(parameter);
            conditions.Add(condition.Replace("@", "$" + parameters.Count, StringComparison.Ordinal));
        }

        Add("tb.table_schema = @", filter.Schema ?? (filter.Table is null ? null : "public"));
        Add("tb.table_name = @", filter.Table);
        Add("c.row_key = " + RowKeyText("@::jsonb", "tb"), filter.RowKey?.ToJsonString(), NpgsqlDbType.Jsonb);
        var changes = filter.ActorId is null ? Changes : ChangesOfActor(filter, parameters);
        if (filter.ActorId is null)
        {
            Add("t.actor_type = @", filter.ActorType);
        }

        Add("t.on_behalf_of_type = @", filter.OnBehalfOfType);
        Add("t.on_behalf_of_id = @", filter.OnBehalfOfId);
        Add("c.op = ANY (@::\"char\"[])", filter.Operations?.Select(OpCode).ToArray());
        Add("c.captured_at >= @", filter.From);
        Add("c.captured_at < @", filter.To);
        Add("t.correlation_id = @", filter.CorrelationId);
        Add("t.request_id = @", filter.RequestId);
        Add("t.job_id = @", filter.JobId);
        Add("t.trace_id = @", filter.TraceId);
        Add($"EXISTS (SELECT FROM {Actions} a WHERE a.id = @ AND a.txid = t.txid AND a.tx_started_at = t.started_at)", filter.ActionId);
        Add($"EXISTS (SELECT FROM {Actions} a WHERE a.name = @ AND a.txid = t.txid AND a.tx_started_at = t.started_at)", filter.ActionName);
        Add("c.tx_id = @", filter.TransactionId);
        if (cursor is not null)
        {
            parameters.Add(new NpgsqlParameter { Value = cursor.CapturedAt });
            parameters.Add(new NpgsqlParameter { Value = cursor.Id });
            var comparison = order == AuditOrder.NewestFirst ? "<" : ">";
            conditions.Add($"(c.captured_at, c.id) {comparison} (${parameters.Count - 1}, ${parameters.Count})");
        }

        var where = conditions.Count == 0 ? "" : "\n WHERE " + string.Join("\n   AND ", conditions);
        return $"FROM {Joined(changes)}{where}";
    }

    /// <summary>
    /// The changes an actor filter matches: the actor lives on heads only (changes_actor_idx, one entry per transaction),
    /// so its heads, and their other changes through changes_tx_idx.
    /// </summary>
    private string ChangesOfActor(AuditFilter filter, NpgsqlParameterCollection parameters)
    {
        parameters.Add(new NpgsqlParameter { Value = filter.ActorId });
        var id = "$" + parameters.Count;
        parameters.Add(new NpgsqlParameter { Value = filter.ActorType });
        var type = "$" + parameters.Count;
        return $"""
            (SELECT h1.* FROM {Changes} h1 WHERE h1.actor_id = {id} AND h1.actor_type = {type} AND h1.id = h1.tx_id
              UNION ALL
             SELECT c1.* FROM {Changes} h1 JOIN {Changes} c1 ON c1.tx_id = h1.id AND c1.tx_id <> c1.id
              WHERE h1.actor_id = {id} AND h1.actor_type = {type} AND h1.id = h1.tx_id)
            """;
    }

    public static string OrderBy(AuditOrder order) =>
        order == AuditOrder.NewestFirst ? "ORDER BY c.captured_at DESC, c.id DESC" : "ORDER BY c.captured_at, c.id";
}
