#!/bin/bash
# usage: reads.sh DIR N  -> p50/p95/max latency (ms) per lookup script, pgbench -c 1 -t N, per-transaction log
DIR=$1; N=$2; W=$(mktemp -d); cd $W
for f in $DIR/*.sql; do
  name=$(basename $f .sql); [ $name = load ] && continue
  /usr/lib/postgresql/15/bin/pgbench -n -M prepared -c 1 -t $N -f $f -l --log-prefix=$name ${PGARGS:--h 127.0.0.1 -p 55432 -U postgres} ${PGDB:-rd} > /dev/null 2>$W/err || { cat $W/err; continue; }
  cat $name.* | awk '{print $3/1000.0}' | sort -n | awk -v n=$name '{a[NR]=$1} END {printf "%-16s n=%d p50=%.2f ms p95=%.2f ms max=%.2f ms\n", n, NR, a[int(NR*0.5)], a[int(NR*0.95)], a[NR]}'
done
rm -rf $W
