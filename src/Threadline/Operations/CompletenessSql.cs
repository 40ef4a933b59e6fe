using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Operations;

/// <summary>
/// The set-based classification of one captured table's live rows. Parameters: $1 schema, $2 table, $3 the age of
/// the capture start (rows with an older xmin were written before it), $4 the age of the oldest write whose audit
/// record retention kept ($3 when nothing was purged), $5 the full xid8 that ages count back from, $6 capture start
/// time, $7 how many unaudited rows to show. Ages are PostgreSQL's age(xid): exact for any xid younger than 2^31, and negative or int4 max for an older or
/// frozen-before-9.4 one, which the bounds send to "before capture or too old to tell".
/// </summary>
internal static class CompletenessSql
{
    /// <summary>One row per live row: status, key and writing xid8. One scan of the table; the audited set is hashed.</summary>
    public static string Classified(TableCaptureOptions table, IReadOnlyList<string> keys, ThreadlineSchemaOptions schemaOptions)
    {
        var changes = AuditSchemaNames.For(schemaOptions).Changes;
        var target = SqlIdentifier.Qualified(table.Schema, table.Table);
        var key = "jsonb_build_object(" + string.Join(", ", keys.Select(k => $"{SqlIdentifier.Literal(k)}, r.{SqlIdentifier.Quote(k)}")) + ")";
        // The key as capture stores it (CaptureSqlGenerator.RowImages.KeyOf), from the same JSON values.
        var keyText = keys.Count == 1
            ? $"(to_jsonb(r) ->> {SqlIdentifier.Literal(keys[0])})"
            : "jsonb_build_array(" + string.Join(", ", keys.Select(k => $"to_jsonb(r) -> {SqlIdentifier.Literal(k)}")) + ")::text";
        var tables = AuditSchemaNames.For(schemaOptions).Tables;
        return $"""
            SELECT CASE
                     WHEN NOT (l.xid_age BETWEEN 0 AND $3) THEN 'before_capture'
                     WHEN a.xid IS NOT NULL THEN 'audited'
                     WHEN l.xid_age > $4 THEN 'history_purged'
                     -- Only rows without an audit record get here, so this per-row lookup stays off the common path.
                     WHEN (SELECT c.data_after FROM {changes} c
                            WHERE c.table_id = (SELECT tb.table_id FROM {tables} tb WHERE tb.table_schema = $1 AND tb.table_name = $2)
                              AND c.row_key = l.key_text
                            ORDER BY c.id DESC LIMIT 1)
                          = (SELECT {Image(table, "r2")} FROM {target} r2 WHERE r2.ctid = l.row_ctid) THEN 'unchanged'
                     ELSE 'unaudited'
                   END AS status,
                   l.row_key, $5 - l.xid_age AS xid
              FROM (SELECT r.ctid AS row_ctid, {key} AS row_key, {keyText} COLLATE "C" AS key_text, r.xmin AS xid, age(r.xmin) AS xid_age FROM {target} r) l
              LEFT JOIN (
                   -- Each audited row's writing xid is its change row's own xmin: the subtransaction's when the write ran
                   -- under a savepoint, as the data row's is. Both sides younger than the capture start (under 2^31), so
                   -- equal 32-bit xids are the same transaction. A change copied by the upgrade to schema version 13 has the
                   -- upgrade's xmin, so a row last written before it falls to the image comparison (unchanged or unaudited).
                   SELECT c.xmin AS xid, c.row_key
                     FROM {changes} c
                    WHERE c.table_id = (SELECT tb.table_id FROM {tables} tb WHERE tb.table_schema = $1 AND tb.table_name = $2)
                      AND c.op IN ('i', 'u') AND c.captured_at >= $6 AND age(c.xmin) BETWEEN 0 AND $3
                    GROUP BY 1, 2) a ON a.xid = l.xid AND a.row_key = l.key_text
            """;
    }

    /// <summary>Per status: the count and, for unaudited rows, the first $7 "key xid" pairs, in the same scan.</summary>
    public static string Counts(string classified, ThreadlineSchemaOptions schemaOptions) =>
        $"SELECT status, count(*), {AuditSchemaNames.For(schemaOptions).Sample}(row_key::text || ' ' || xid, $7) FILTER (WHERE status = 'unaudited') FROM ({classified}) k GROUP BY status";

    /// <summary>The row image as capture stores it in data_after: excluded columns dropped, masked ones replaced.</summary>
    private static string Image(TableCaptureOptions table, string alias)
    {
        var json = $"to_jsonb({alias})";
        if (table.Exclude.Count > 0)
        {
            json = $"({json} - {SqlIdentifier.TextArray(table.Exclude)})";
        }

        if (table.Mask.Count > 0)
        {
            var placeholder = "to_jsonb(" + SqlIdentifier.Literal(table.MaskPlaceholder) + "::text)";
            json = $"({json} || jsonb_build_object(" + string.Join(", ", table.Mask.Select(m => $"{SqlIdentifier.Literal(m)}, {placeholder}")) + "))";
        }

        return json;
    }
}
