-- RetentionPurger: the transactions old enough to purge, by head: a head goes, with its transaction, only when it and
-- every other change of it are old enough ("old enough" is purge_change_expired.sql, for a change c), so no change is
-- left without the head that carries its context. Other changes old enough go on their own (purge_changes.sql).
SELECT c.id FROM {{schema}}.changes c
 WHERE c.id = c.tx_id AND {{change_expired}}
   AND NOT EXISTS (SELECT FROM {{schema}}.changes x
                    WHERE x.tx_id = c.id AND x.tx_id <> x.id
                      AND NOT (SELECT {{change_expired}} FROM (SELECT x.captured_at, x.table_id) c))
