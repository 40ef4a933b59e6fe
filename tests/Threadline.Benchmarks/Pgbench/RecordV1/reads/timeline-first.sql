SELECT id, tx_id, op, table_id, row_key FROM threadline.changes ORDER BY id DESC LIMIT 50;
