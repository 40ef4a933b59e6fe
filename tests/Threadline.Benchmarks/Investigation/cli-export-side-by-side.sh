#!/bin/bash
# Two builds of the CLI exporting the same database alternately, so that both see the same minutes of a shared
# machine: wall time, CPU (user + system) and peak RSS from GNU time, and a hash of each output to show the bytes
# are the same.
#   cli-export-side-by-side.sh CONNECTION_STRING BEFORE_CLI_DLL AFTER_CLI_DLL [ROWS] [REPETITIONS]
# BEFORE/AFTER are the Threadline.Cli.dll of two Release builds (e.g. two git worktrees); the database needs an
# audit history of at least ROWS changes (the --investigation dataset, or any other).
set -euo pipefail
conn=$1; before=$2; after=$3; rows=${4:-1000000}; reps=${5:-3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "| Repetition | Build | Format | Wall s | User s | System s | CPU s | Rows per CPU-second | Rows/s | Peak MB | Bytes | SHA-256 (first 16) | Load (1 min) |"
echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for rep in $(seq 1 "$reps"); do
  for format in ndjson csv; do
    for side in before after; do
      dll=$before; [ "$side" = after ] && dll=$after
      out="$scratch/export.$format"
      /usr/bin/time -f "%e %U %S %M" -o "$scratch/time" dotnet "$dll" export --format "$format" --max-rows "$rows" --out "$out" --connection "$conn" >/dev/null 2>"$scratch/err" \
        || { echo "$side $format failed:" >&2; tail -3 "$scratch/err" >&2; exit 1; }
      read -r wall user sys rss < "$scratch/time"
      cpu=$(echo "$user + $sys" | bc)
      echo "| $rep | $side | $format | $wall | $user | $sys | $cpu | $(echo "$rows / $cpu" | bc) | $(echo "$rows / $wall" | bc) | $((rss / 1024)) | $(stat -c %s "$out") | $(sha256sum "$out" | cut -c1-16) | $(cut -d' ' -f1 /proc/loadavg) |"
      rm -f "$out"
    done
  done
done
