using Npgsql;
using NpgsqlTypes;
using Threadline.Schema;

namespace Threadline.Query;

/// <summary>Turns a validated <see cref="AuditFilter"/> into a WHERE clause with parameters; values are never inlined.</summary>
internal sealed class AuditSql(ThreadlineSchemaOptions options)
{
    public const string EntryColumns = """
        c.id, c.transaction_id, c.table_schema, c.table_name, c.op, c.row_key::text, c.data_after::text, c.changed_fields,
        c.data_before::text, c.captured_at, t.started_at, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id,
        t.request_id, t.correlation_id, t.trace_id, t.job_id, t.source, t.action_id, t.refused_context ->> 'reason'
        """;

    public AuditSchemaNames Names { get; } = AuditSchemaNames.For(options);

    public string Changes => Names.Changes;

    public string Transactions => Names.Transactions;

    public string Actions => Names.Actions;

    public string CapturedTables => Names.CapturedTables;

    public string Settings => Names.Settings;

    /// <summary>FROM ... WHERE ... for changes <c>c</c> joined with transactions <c>t</c>, optionally after a cursor.</summary>
    public string FromWhere(AuditFilter filter, AuditCursor? cursor, AuditOrder order, NpgsqlParameterCollection parameters, bool copiedActorsOnly = false)
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

        Add("c.table_schema = @", filter.Schema ?? (filter.Table is null ? null : "public"));
        Add("c.table_name = @", filter.Table);
        Add("c.row_key = @", filter.RowKey?.ToJsonString(), NpgsqlDbType.Jsonb);
        var changes = filter.ActorId is null ? Changes : ChangesOfActor(filter, parameters, copiedActorsOnly);
        if (filter.ActorId is null)
        {
            Add("t.actor_type = @", filter.ActorType);
        }

        Add("t.on_behalf_of_type = @", filter.OnBehalfOfType);
        Add("t.on_behalf_of_id = @", filter.OnBehalfOfId);
        Add("c.op = ANY (@)", filter.Operations?.ToArray());
        Add("c.captured_at >= @", filter.From);
        Add("c.captured_at < @", filter.To);
        Add("t.correlation_id = @", filter.CorrelationId);
        Add("t.request_id = @", filter.RequestId);
        Add("t.job_id = @", filter.JobId);
        Add("t.trace_id = @", filter.TraceId);
        Add($"EXISTS (SELECT FROM {Actions} a WHERE a.id = @ AND a.txid = t.txid AND a.tx_started_at = t.started_at)", filter.ActionId);
        Add($"EXISTS (SELECT FROM {Actions} a WHERE a.name = @ AND a.txid = t.txid AND a.tx_started_at = t.started_at)", filter.ActionName);
        Add("c.transaction_id = @", filter.TransactionId);
        if (cursor is not null)
        {
            parameters.Add(new NpgsqlParameter { Value = cursor.CapturedAt });
            parameters.Add(new NpgsqlParameter { Value = cursor.Id });
            var comparison = order == AuditOrder.NewestFirst ? "<" : ">";
            conditions.Add($"(c.captured_at, c.id) {comparison} (${parameters.Count - 1}, ${parameters.Count})");
        }

        var where = conditions.Count == 0 ? "" : "\n WHERE " + string.Join("\n   AND ", conditions);
        return $"FROM {changes} c JOIN {Transactions} t ON t.id = c.transaction_id{where}";
    }

    /// <summary>
    /// The changes an actor filter matches, newest first from two ordered ranges that PostgreSQL merges: those that carry
    /// the actor (schema version 12, changes_actor_idx) and those written before version 12, which carry no copy and are
    /// matched through their transaction (changes_time_idx up to the newest of them). The copy alone decides for the
    /// first range: a condition on the transaction as well would make the planner square the selectivity and choose a
    /// join and sort over every change of the actor. The copy cannot drift unseen: capture writes it from the
    /// transaction row, and <c>verify integrity</c> reports a change whose copy differs (ActorMismatch).
    /// </summary>
    private string ChangesOfActor(AuditFilter filter, NpgsqlParameterCollection parameters, bool copiedOnly)
    {
        parameters.Add(new NpgsqlParameter { Value = filter.ActorId });
        var id = "$" + parameters.Count;
        parameters.Add(new NpgsqlParameter { Value = filter.ActorType });
        var type = "$" + parameters.Count;
        var copied = $"SELECT c1.* FROM {Changes} c1 WHERE c1.actor_id = {id} AND c1.actor_type = {type}";
        if (copiedOnly)
        {
            return $"({copied})";
        }

        return $"""
            ({copied}
              UNION ALL
             SELECT c0.* FROM {Changes} c0 JOIN {Transactions} t0 ON t0.id = c0.transaction_id
              WHERE c0.actor_id IS NULL
                AND c0.captured_at <= (SELECT s.uncopied_actor_max_captured_at FROM {Settings} s)
                AND c0.id <= (SELECT s.uncopied_actor_max_id FROM {Settings} s)
                AND t0.actor_id = {id} AND t0.actor_type = {type})
            """;
    }

    public static string OrderBy(AuditOrder order) =>
        order == AuditOrder.NewestFirst ? "ORDER BY c.captured_at DESC, c.id DESC" : "ORDER BY c.captured_at, c.id";
}
