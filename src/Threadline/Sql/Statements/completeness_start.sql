-- CompletenessChecker: where capture of table $1.$2 started, the xids ages count back from, and (only when retention
-- purged its history) the oldest audited write kept: the transaction of the table's oldest change (its head's txid).
SELECT ct.capture_started_txid::text::bigint, ct.enabled_at, ct.capture_start_exact, ct.history_purged_at,
       to_regclass(quote_ident(ct.table_schema) || '.' || quote_ident(ct.table_name)) IS NOT NULL,
       pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
       -- age(xid) counts back from one xid fixed for the whole transaction: this is its full xid8.
       pg_snapshot_xmax(pg_current_snapshot())::text::bigint + age(xid(pg_snapshot_xmax(pg_current_snapshot()))),
       CASE WHEN ct.history_purged_at IS NOT NULL THEN
            (SELECT t.txid::text::bigint FROM {{schema}}.changes c JOIN {{schema}}.changes t ON t.id = c.tx_id
              WHERE c.table_id = (SELECT tb.table_id FROM {{schema}}.tables tb WHERE tb.table_schema = ct.table_schema AND tb.table_name = ct.table_name)
              ORDER BY c.id LIMIT 1) END
  FROM {{schema}}.captured_tables ct
 WHERE ct.table_schema = $1 AND ct.table_name = $2
