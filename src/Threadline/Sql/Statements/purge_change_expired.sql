-- RetentionPurger: the one definition of "old enough" for a change c, shared by the dry run and the execute run.
-- $1 overridden schemas, $2 their tables, $3 their cutoffs, $4 default cutoff, $5 shortest cutoff.
-- Every purgeable change is older than the shortest window's cutoff ($5); saying so lets the time index find the rows
-- from the oldest end instead of walking past every newer change. It changes no answer.
(c.captured_at < $5 AND c.captured_at < coalesce(
    (SELECT o.cutoff FROM unnest($1::text[], $2::text[], $3::timestamptz[]) o(s, t, cutoff)
       JOIN {{schema}}.tables tb ON tb.table_schema = o.s AND tb.table_name = o.t
      WHERE tb.table_id = c.table_id),
    $4))
