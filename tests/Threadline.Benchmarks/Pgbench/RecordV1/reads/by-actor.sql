\set u random(0, 199)
-- A page of 50 changes of one user, newest transactions first: the actor's heads (changes_actor_idx), then each
-- head's other changes (changes_tx_idx).
SELECT c.id, c.tx_id, c.op, c.table_id, c.row_key, c.data_after
  FROM (SELECT id FROM threadline.changes WHERE actor_id = 'user-' || :u AND actor_type = 'user' ORDER BY id DESC LIMIT 50) h
 CROSS JOIN LATERAL (SELECT * FROM threadline.changes c WHERE c.id = h.id
                     UNION ALL
                     SELECT * FROM threadline.changes c WHERE c.tx_id = h.id AND c.tx_id <> c.id) c
 ORDER BY c.tx_id DESC, c.id DESC LIMIT 50;
