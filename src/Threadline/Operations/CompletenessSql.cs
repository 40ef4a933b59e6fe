using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Operations;

/// <summary>
/// The set-based classification of one captured table's live rows. Parameters: $1 schema, $2 table, $3 capture
/// start (xid8 as bigint), $4 the oldest write whose audit record retention kept ($3 when nothing was purged),
/// $5 the newest xid that can have written a visible row, $6 its low 32 bits, $7 capture start time.
/// </summary>
internal static class CompletenessSql
{
    private const string Wrap = "4294967296";

    /// <summary>One row per live row: status, key and writing xid (as bigint). One scan of the table; the audited set is hashed.</summary>
    public static string Classified(TableCaptureOptions table, IReadOnlyList<string> keys, ThreadlineSchemaOptions schemaOptions)
    {
        var s = SqlIdentifier.Quote(schemaOptions.Schema);
        var target = SqlIdentifier.Qualified(table.Schema, table.Table);
        var key = "jsonb_build_object(" + string.Join(", ", keys.Select(k => $"{SqlIdentifier.Literal(k)}, r.{SqlIdentifier.Quote(k)}")) + ")";
        return $"""
            SELECT CASE
                     WHEN l.raw_xid < 3 OR l.xid < $3 THEN 'before_capture'
                     WHEN a.xid IS NOT NULL THEN 'audited'
                     WHEN l.xid < $4 THEN 'history_purged'
                     -- Only rows without an audit record get here, so this per-row lookup stays off the common path.
                     WHEN (SELECT c.data_after FROM {s}.changes c
                            WHERE c.table_schema = $1 AND c.table_name = $2 AND c.row_key = l.row_key
                            ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)
                          = (SELECT {Image(table, "r2")} FROM {target} r2 WHERE r2.ctid = l.row_ctid) THEN 'unchanged'
                     ELSE 'unaudited'
                   END AS status,
                   l.row_key, l.xid
              FROM (SELECT r.ctid AS row_ctid, {key} AS row_key, r.xmin::text::bigint AS raw_xid,
                           -- xmin holds 32 bits: read it as the newest xid8 with those low bits, no later than $5.
                           $5 - (($6 - r.xmin::text::bigint + {Wrap}) % {Wrap}) AS xid
                      FROM {target} r) l
              LEFT JOIN (
                   -- The writing xid of each audited row: the change row's own xmin, read relative to its transaction's
                   -- xid8. It is the subtransaction's xid when the write ran under a savepoint, as the data row's is.
                   SELECT tx.txid::text::bigint + ((c.xmin::text::bigint - (tx.txid::text::bigint & 4294967295) + {Wrap}) % {Wrap}) AS xid,
                          c.row_key
                     FROM {s}.changes c
                     JOIN {s}.transactions tx ON tx.id = c.transaction_id
                    WHERE c.table_schema = $1 AND c.table_name = $2 AND c.op IN ('insert', 'update')
                      AND c.captured_at >= $7 AND tx.txid >= ($3::text)::xid8
                    GROUP BY 1, 2) a ON a.xid = l.xid AND a.row_key = l.row_key
            """;
    }

    public static string Counts(string classified) =>
        $"SELECT status, count(*) FROM ({classified}) k GROUP BY status";

    public static string Samples(string classified) =>
        $"SELECT row_key::text, xid FROM ({classified}) k WHERE status = 'unaudited' LIMIT $8";

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
