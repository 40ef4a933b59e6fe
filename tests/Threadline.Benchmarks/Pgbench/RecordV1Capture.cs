using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// The prototype of the audit record's final shape (issue 24; docs/design/audit-record-v1.md): the schema in
/// <c>record-v1.sql</c> and a capture function generated for <c>items</c> here, the way CaptureSqlGenerator would.
/// Complete enough to compare honestly: the same context statement, strict attribution and the transaction stamp,
/// one transaction one actor, the actor and ids stored, no-op updates skipped, before values of the changed columns,
/// masked and excluded columns that follow renames, multi-change transactions grouped by their head's id.
/// </summary>
public static class RecordV1Capture
{
    public const string ResourceName = "record-v1.sql";

    /// <summary>What the masked variants redact: one masked and one excluded column of <c>items</c>.</summary>
    public static readonly string[] MaskedColumns = ["name"];

    public static readonly string[] ExcludedColumns = ["meta"];

    public static Task InstallAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        InstallAsync(connection, [], [], cancellationToken);

    public static Task InstallMaskedAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        InstallAsync(connection, MaskedColumns, ExcludedColumns, cancellationToken);

    public static async Task InstallAsync(NpgsqlConnection connection, IReadOnlyList<string> mask, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, await ReadScriptAsync(cancellationToken), cancellationToken);
        var tableId = await Sql.ScalarAsync<int>(connection,
            $"INSERT INTO threadline.tables (table_schema, table_name, key_columns) VALUES ('public', '{ItemsTable.Name}', '{{id}}') RETURNING table_id", cancellationToken);
        var redacted = new List<RedactedColumn>();
        foreach (var (name, excluded) in exclude.Select(c => (c, true)).Concat(mask.Select(c => (c, false))))
        {
            var attnum = await Sql.ScalarAsync<short>(connection,
                $"SELECT attnum FROM pg_attribute WHERE attrelid = '{ItemsTable.Name}'::regclass AND attname = '{name}'", cancellationToken);
            var described = await Sql.ScalarAsync<string>(connection,
                $"SELECT pg_describe_object('pg_class'::regclass, '{ItemsTable.Name}'::regclass, {attnum})", cancellationToken);
            redacted.Add(new RedactedColumn(name, attnum, excluded, described));
        }

        await Sql.ExecuteAsync(connection, FunctionSql(tableId, "public", ItemsTable.Name, "id", redacted, TableCaptureOptionsPlaceholder), cancellationToken);
    }

    private const string TableCaptureOptionsPlaceholder = Threadline.Capture.TableCaptureOptions.DefaultMaskPlaceholder;

    /// <param name="Described">pg_describe_object of the column when capture was applied: while every redacted column
    /// still describes the same, its name is as applied and no other column bears it, so the names as written are
    /// exact and the statement needs no catalog query.</param>
    public sealed record RedactedColumn(string Name, short Attnum, bool Excluded, string Described);

    private const string Empty = "'{}'";

    private static string Lit(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string TextArray(IEnumerable<string> values) => Lit("{" + string.Join(",", values.Select(v => "\"" + v.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}") + "::text[]";

    /// <summary>The generated capture function and its four statement-level triggers, for a table with a one-column key.</summary>
    public static string FunctionSql(int tableId, string schema, string table, string key, IReadOnlyList<RedactedColumn> redacted, string placeholder)
    {
        var qualified = $"{schema}.{table}";
        var target = $"\"{schema}\".\"{table}\"";
        var function = $"threadline.\"capture_{table}\"";
        var redacting = redacted.Count > 0;
        var id = tableId.ToString(CultureInfo.InvariantCulture);
        string Image(string json) => redacting ? $"(({json} - x_exclude) || x_mask_image)" : json;
        string Raw(string json) => redacting ? $"({json} - x_exclude)" : json;
        var beforeValue = redacting ? $"CASE WHEN e.key = ANY (x_mask) THEN to_jsonb({Lit(placeholder)}::text) ELSE e.value END" : "e.value";
        const string headColumns = "txid, started_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id, request_id, correlation_id, trace_id, job_id, source, context, refused_context";
        string HeadValues(string head) => string.Join(", ", new[]
        {
            "h.txid", "now()", "h.actor_type", "h.actor_id", "h.on_behalf_of_type", "h.on_behalf_of_id", "h.request_id",
            "h.correlation_id", "h.trace_id", "h.job_id", "h.source", "h.context", "h.refused_context",
        }.Select(v => $"CASE WHEN {head} THEN {v} END"));
        var ids = $"CASE WHEN s.head THEN h.tx ELSE nextval('threadline.change_id') END, coalesce(h.tx, threadline.refuse({Lit(qualified)}, h.refusal, h.refused_context))";
        var declare = redacting
            ? """
                  x_exclude text[];
                  x_mask text[];
                  x_mask_image jsonb;
              """
            : "";
        var fastCheck = string.Join(" AND ", redacted.Select(r => $"pg_describe_object(1259, TG_RELID, {r.Attnum}) = {Lit(r.Described)}"));
        var excludedNames = redacted.Where(r => r.Excluded).Select(r => r.Name).ToList();
        var maskedNames = redacted.Where(r => !r.Excluded).Select(r => r.Name).ToList();
        var maskImage = "{" + string.Join(",", maskedNames.Select(m => $"\"{m}\":\"{placeholder}\"")) + "}";
        string Attnums(bool excluded) => Lit("{" + string.Join(",", redacted.Where(r => r.Excluded == excluded).Select(r => r.Attnum)) + "}") + "::int2[]";
        var resolve = redacting
            ? $"""
                  -- Redaction follows renames (docs/capture.md): while each redacted column still describes as when capture was
                  -- applied (a syscache lookup, no query), the names as written are exact; otherwise one catalog query, as today.
                  IF {fastCheck} THEN
                      x_exclude := {TextArray(excludedNames)};
                      x_mask := {TextArray(maskedNames)};
                      x_mask_image := {Lit(maskImage)}::jsonb;
                  ELSE
                      SELECT coalesce(array_agg(a.attname::text) FILTER (WHERE x.excluded), {Empty}),
                             coalesce(array_agg(a.attname::text) FILTER (WHERE x.masked AND NOT x.excluded), {Empty}),
                             coalesce(jsonb_object_agg(a.attname::text, to_jsonb({Lit(placeholder)}::text)) FILTER (WHERE x.masked AND NOT x.excluded), {Empty})
                        INTO x_exclude, x_mask, x_mask_image
                        FROM pg_catalog.pg_attribute a
                       CROSS JOIN LATERAL (SELECT a.attname = ANY ({TextArray(excludedNames)}) OR a.attnum = ANY ({Attnums(true)}) AS excluded,
                                                  a.attname = ANY ({TextArray(maskedNames)}) OR a.attnum = ANY ({Attnums(false)}) AS masked) x
                       WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
                  END IF;
              """
            : "";
        // A one-field composite of the table's row type: multi-argument unnest expands it into one whole-row column.
        var pair = $"threadline.\"row_{table}\"";
        var keyOf = (string row) => $"({row}).\"{key}\"::text";

        return $"""
            CREATE TYPE {pair} AS (r {target});
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
            DECLARE
                h threadline.capture_head;
            {declare}
            BEGIN
            {resolve}
                h := threadline.begin_change({Lit(qualified)}, false);
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after, {headColumns})
                    SELECT {ids}, clock_timestamp(), {id}, 'i', {keyOf("s.r")}, {Image("to_jsonb(s.r)")}, {HeadValues("s.head")}
                      FROM (SELECT r, h.fresh AND row_number() OVER () = 1 AS head FROM new_rows r) s;
                ELSIF TG_OP = 'UPDATE' THEN
                    -- Old and new rows zipped in transition-table order, typed; a whole-row comparison (record image: any
                    -- column type, follows renames and added columns) skips unchanged rows before any JSON is built.
                    -- OFFSET 0 keeps each image and the diff computed once per row (flattening would repeat them).
                    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after, data_before, {headColumns})
                    SELECT {ids}, clock_timestamp(), {id}, 'u', {keyOf("s.n")}, {(redacting ? "s.after || x_mask_image" : "s.after")}, s.before, {HeadValues("s.head")}
                      FROM (SELECT d.n, d.after, d.before, h.fresh AND row_number() OVER () = 1 AS head
                              FROM (SELECT j.n, j.after,
                                           (SELECT jsonb_object_agg(e.key, {beforeValue}) FROM jsonb_each(j.before) e
                                             WHERE e.value IS DISTINCT FROM j.after -> e.key) AS before
                                      FROM (SELECT z.n, {Raw("to_jsonb(z.n)")} AS after, {Raw("to_jsonb(z.o)")} AS before
                                              FROM unnest((SELECT array_agg(ROW(o)::{pair}) FROM old_rows o), (SELECT array_agg(ROW(n)::{pair}) FROM new_rows n)) AS z(o, n)
                                             WHERE NOT (z.o *= z.n) OFFSET 0) j OFFSET 0) d
                             WHERE d.before IS NOT NULL) s;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_before, {headColumns})
                    SELECT {ids}, clock_timestamp(), {id}, 'd', {keyOf("s.r")}, {Image("to_jsonb(s.r)")}, {HeadValues("s.head")}
                      FROM (SELECT r, h.fresh AND row_number() OVER () = 1 AS head FROM old_rows r) s;
                ELSIF TG_OP = 'TRUNCATE' THEN
                    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, {headColumns})
                    SELECT {ids}, clock_timestamp(), {id}, 't', {HeadValues("s.head")}
                      FROM (SELECT h.fresh AS head) s;
                END IF;
                RETURN NULL;
            END
            $capture$;
            REVOKE ALL ON FUNCTION {function}() FROM PUBLIC;
            CREATE TRIGGER threadline_capture_insert AFTER INSERT ON {target} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER threadline_capture_update AFTER UPDATE ON {target} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER threadline_capture_delete AFTER DELETE ON {target} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER threadline_capture_truncate AFTER TRUNCATE ON {target} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            """;
    }

    private static async Task<string> ReadScriptAsync(CancellationToken cancellationToken)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
