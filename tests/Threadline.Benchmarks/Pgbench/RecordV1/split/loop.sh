#!/bin/bash
# usage: loop.sh N ROUNDS dbs...
P="/usr/lib/postgresql/15/bin/psql ${PGARGS:--h 127.0.0.1 -p 55432 -U postgres} -X -q -At"
N=$1; R=$2; shift 2
DBS=("$@"); for d in "${DBS[@]}"; do $P -d $d -c "SET synchronous_commit=off" -c "CALL bench_loop(300, false, NULL)" -c "CALL bench_loop(300, true, NULL)" >/dev/null; done
for r in $(seq 1 $R); do
  for d in "${DBS[@]}"; do
    out=$($P -d $d -c "SET synchronous_commit=off" -c "CALL bench_loop($N, false, NULL)" -c "CALL bench_loop($N, true, NULL)" | tr '\n' ' ')
    set -- $out
    echo "round $r $d insert_us $(echo "scale=1; $1/1000/$N" | bc) update_us $(echo "scale=1; $2/1000/$N" | bc)" 
    set -- "${@:3}"
  done
done
