#!/bin/bash
# usage: bulk.sh ROUNDS dbs... -> backend CPU µs per captured row: 10 x 1,000-row INSERT, 2 x 10,000-row UPDATE
P="/usr/lib/postgresql/15/bin/psql ${PGARGS:--h 127.0.0.1 -p 55432 -U postgres} -X -q -At"
R=$1; shift; DBS=("$@")
for r in $(seq 1 $R); do
  for d in "${DBS[@]}"; do
    out=$($P -d $d -c "SET synchronous_commit=off" -c "CALL bench_bulk(10, 2, NULL, NULL)" | tr '|' ' ')
    set -- $out
    echo "round $r $d bulk_insert_us_per_row $(echo "scale=2; $1/1000/10000" | bc) bulk_update_us_per_row $(echo "scale=2; $2/1000/20000" | bc)"
  done
done
