-- RetentionPurger: the one definition of "old enough" for a change c, shared by the dry run and the execute run.
-- $1 overridden schemas, $2 their tables, $3 their cutoffs, $4 default cutoff, $5 shortest cutoff.
-- Every purgeable change is older than the shortest window's cutoff ($5); saying so lets the time index find the rows
-- from the oldest end instead of walking past every newer change. It changes no answer.
(c.captured_at < $5 AND c.captured_at < coalesce(
    (SELECT o.cutoff FROM unnest($1::text[], $2::text[], $3::timestamptz[]) o(s, t, cutoff) WHERE o.s = c.table_schema AND o.t = c.table_name),
    $4))
