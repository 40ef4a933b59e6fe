using Npgsql;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>An audit change joined with its transaction, as the tests assert on it.</summary>
public sealed record AuditRow(
    long TransactionId, string Op, string TableName, string? RowKey, string? DataAfter, string[]? ChangedFields,
    string? ActorType, string? ActorId, string? RequestId, string? CorrelationId, string? JobId, string? Source,
    string? TraceId = null);

/// <summary>Reads audit rows on a direct connection (the superuser), independent of the code under test.</summary>
public static class AuditRows
{
    // A change c as the assertions name its parts (op and table by name, the key as JSON, the changed fields), from the
    // one-row-per-change layout: the change, its table in the registry, and its transaction's head t.
    private const string Select = """
        SELECT t.id, c.op, c.table_name, c.row_key::text, c.data_after::text, c.changed_fields,
               t.actor_type, t.actor_id, t.request_id, t.correlation_id, t.job_id, t.source, t.trace_id
          FROM (SELECT x.id, x.tx_id, tb.table_name, x.data_after,
                       CASE x.op WHEN 'i' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 't' THEN 'truncate' ELSE 'baseline' END AS op,
                       CASE WHEN x.op <> 't' THEN (SELECT jsonb_object_agg(k, coalesce(x.data_after, x.data_before) -> k) FROM unnest(tb.key_columns) k) END AS row_key,
                       CASE WHEN x.op = 'u' AND x.data_before IS NOT NULL THEN ARRAY(SELECT f FROM jsonb_object_keys(x.data_before) f ORDER BY f) END AS changed_fields
                  FROM threadline.changes x JOIN threadline.tables tb ON tb.table_id = x.table_id) c
          JOIN threadline.changes t ON t.id = c.tx_id
        """;

    public static Task<IReadOnlyList<AuditRow>> ForPostAsync(TopologyFixture platform, long postId) =>
        WhereAsync(platform, "c.table_name = 'posts' AND c.row_key = jsonb_build_object('id', $1::bigint)", postId);

    public static Task<IReadOnlyList<AuditRow>> ForTransactionAsync(TopologyFixture platform, long transactionId) =>
        WhereAsync(platform, "t.id = $1", transactionId);

    /// <summary>Audit rows matching <paramref name="condition"/> (over changes <c>c</c> and transactions <c>t</c>), in capture order.</summary>
    public static Task<IReadOnlyList<AuditRow>> WhereAsync(TopologyFixture platform, string condition, params object[] parameters) =>
        QueryAsync(platform, $"{Select} WHERE {condition} ORDER BY c.id", parameters);

    /// <summary>How many actions named <paramref name="name"/> <paramref name="actorId"/> recorded (a job run twice records two).</summary>
    public static Task<long> ActionCountAsync(NpgsqlConnection connection, string name, string actorId) =>
        ScalarAsync<long>(connection, "SELECT count(*) FROM threadline.actions WHERE name = $1 AND actor_id = $2", name, actorId);

    /// <summary>Polls until <paramref name="predicate"/> holds (for asynchronous job paths), or fails with what it saw.</summary>
    public static async Task<IReadOnlyList<AuditRow>> WaitForPostAsync(TopologyFixture platform, long postId, Func<IReadOnlyList<AuditRow>, bool> predicate, TimeSpan? timeout = null)
    {
        IReadOnlyList<AuditRow> rows = [];
        if (await Eventually.TrueWithinAsync(timeout ?? TimeSpan.FromSeconds(45), async () => predicate(rows = await ForPostAsync(platform, postId)), TimeSpan.FromMilliseconds(200)))
        {
            return rows;
        }

        throw new Xunit.Sdk.XunitException($"Audit rows for post {postId} never matched; last seen: {string.Join("; ", rows)}");
    }

    private static async Task<IReadOnlyList<AuditRow>> QueryAsync(TopologyFixture platform, string sql, params object[] parameters)
    {
        await using var connection = await platform.OpenDirectAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AuditRow(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), Text(reader, 4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<string[]>(5),
                Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9), Text(reader, 10), Text(reader, 11), Text(reader, 12)));
        }

        return rows;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
