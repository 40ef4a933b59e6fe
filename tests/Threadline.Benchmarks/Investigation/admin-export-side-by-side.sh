#!/bin/bash
# Two builds of the admin service exporting the same database alternately through GET /api/v1/audit/export, so that
# both see the same minutes of a shared machine. Each export gets a freshly started service (its own process, as the
# investigation benchmark starts it: Production, warnings only, a signing key made for the run), warmed by one
# authenticated dry run; then its resident memory at rest is read, VmHWM is reset (clear_refs) and curl streams the
# export into a file. Reported: the service's resident memory at rest (anonymous + file-backed + shared, the last
# being the runtime's code mapped twice through a memfd), its peak during the export (VmHWM), its CPU time (user +
# system from /proc/<pid>/stat), the wall time and a hash of the body.
#   admin-export-side-by-side.sh CONNECTION_STRING BEFORE_ADMIN_DLL AFTER_ADMIN_DLL [ROWS] [REPETITIONS]
# BEFORE/AFTER are the Threadline.Platform.AdminService.dll of two Release builds (e.g. two git worktrees); the
# connection logs in as a member of the reader role; the database needs an audit history of at least ROWS changes.
set -euo pipefail
conn=$1; before=$2; after=$3; rows=${4:-1000000}; reps=${5:-3}
scratch=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# An HS256 token as PlatformAuth.IssueToken makes it: the platform's issuer and audience, the auditor role.
token() {
  local now header payload sig
  now=$(date +%s)
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"threadline-platform","aud":"threadline-platform","sub":"benchmark-auditor","role":"auditor","iat":%d,"nbf":%d,"exp":%d}' "$now" "$now" $((now + 3600)) | b64url)
  sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "key:$1" -binary | b64url)
  echo "$header.$payload.$sig"
}
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
echo "| Repetition | Build | Format | Wall s | Service CPU s | Rows per CPU-second | Rows/s | At rest MB (anon + file + shmem) | Peak MB | Bytes | SHA-256 (first 16) | Load (1 min) |"
echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for rep in $(seq 1 "$reps"); do
  for format in ndjson csv; do
    for side in before after; do
      dll=$before; [ "$side" = after ] && dll=$after
      secret=$(openssl rand -hex 32)
      bearer="Authorization: Bearer $(token "$secret")"
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production "ConnectionStrings__audit-reader-db=$conn" \
        Auth__SigningKey="$secret" Logging__LogLevel__Default=Warning dotnet "$dll" >"$scratch/log" 2>&1 &
      pid=$!
      url="http://127.0.0.1:$port/api/v1/audit/export"
      for _ in $(seq 1 240); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$bearer" "$url?dryRun=true&maxRows=1" || true)" = 200 ] && break
        kill -0 "$pid" 2>/dev/null || { echo "$side: the service exited:" >&2; tail -5 "$scratch/log" >&2; exit 1; }
        sleep 0.25
      done
      sleep 1
      anon=$(kb RssAnon); file=$(kb RssFile); shmem=$(kb RssShmem)
      echo 5 > "/proc/$pid/clear_refs"
      ticks=$(cpu_ticks)
      start=$(date +%s.%N)
      curl -sf -H "$bearer" "$url?format=$format&maxRows=$rows" -o "$scratch/export.$format" \
        || { echo "$side $format: the export failed" >&2; tail -5 "$scratch/log" >&2; exit 1; }
      wall=$(echo "$(date +%s.%N) - $start" | bc)
      cpu=$(echo "scale=2; ($(cpu_ticks) - $ticks) / $(getconf CLK_TCK)" | bc)
      peak=$(kb VmHWM)
      kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
      printf '| %s | %s | %s | %.2f | %s | %s | %s | %d (%d + %d + %d) | %d | %s | %s | %s |\n' "$rep" "$side" "$format" "$wall" "$cpu" \
        "$(echo "$rows / $cpu" | bc)" "$(echo "$rows / $wall" | bc)" $(((anon + file + shmem) / 1024)) $((anon / 1024)) $((file / 1024)) $((shmem / 1024)) $((peak / 1024)) \
        "$(stat -c %s "$scratch/export.$format")" "$(sha256sum "$scratch/export.$format" | cut -c1-16)" "$(cut -d' ' -f1 /proc/loadavg)"
      rm -f "$scratch/export.$format"
    done
  done
done
